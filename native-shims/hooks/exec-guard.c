/* The exec family: a wrapped program must not start, later, a program the shim cannot reach
 * (statically linked, Go, setuid/setgid or file capabilities, another architecture), and a child
 * whose environment was scrubbed (env -i, sudo-like tools, subprocess with env={}) must still get
 * the shim and the session's SOCKSWRAP_* variables.
 *
 * Every exec hook checks the target file and rebuilds the child's environment:
 *   - refused: -1/EACCES (posix_spawn: EACCES returned) and one "[sockswrap]" line on stderr,
 *     unless SOCKSWRAP_ALLOW_UNHOOKED=1 (set by the launcher for --allow-unhooked);
 *   - environment: every SOCKSWRAP_* variable of the session (captured when this image started)
 *     replaces whatever the child's environment says, and LD_PRELOAD gets the shim in front.
 *
 * Async-signal-safety: execve, execv, execvp(e), execl*, fexecve and execveat run in vforked
 * children (Python's _posixsubprocess, shells, libuv), which share memory with a parent whose
 * other threads keep running. Those paths therefore take no locks and never call malloc or
 * stdio: the checks are open/pread/fstat/fgetxattr/prctl system calls, strings are built by hand,
 * the new environment lives on the stack (or in an mmap when it is large). Everything captured
 * from the environment is captured once, in the constructor, before main runs.
 *
 * Built twice: into libsockswrap.so, and (-DEXEC_GUARD_STANDALONE) as build/sockswrap-exec-check,
 * which prints the verdict for a path; the launcher uses it for what Node cannot read itself
 * (the security.capability extended attribute). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/libc.h"
#include "core/shim-env.h"
#include "core/shim.h"

/* ---------------------------------------------------------------------------------------------
 * Checking a file. Only system calls; no allocation. */

enum verdict {
	HOOKABLE = 0,
	UNHOOKED_STATIC,
	UNHOOKED_GO,
	UNHOOKED_SETUID,
	UNHOOKED_SETGID,
	UNHOOKED_CAPS,
	UNHOOKED_FOREIGN,
	UNHOOKED_UNREADABLE,
};

static const char *verdict_text(enum verdict v)
{
	switch (v) {
	case UNHOOKED_STATIC:
		return "is statically linked: it makes system calls without the dynamic loader, so LD_PRELOAD never reaches it";
	case UNHOOKED_GO:
		return "is a Go program: Go makes its network system calls directly, not through libc";
	case UNHOOKED_SETUID:
		return "is setuid: the dynamic loader ignores LD_PRELOAD for it";
	case UNHOOKED_SETGID:
		return "is setgid: the dynamic loader ignores LD_PRELOAD for it";
	case UNHOOKED_CAPS:
		return "has file capabilities: the dynamic loader ignores LD_PRELOAD for it";
	case UNHOOKED_FOREIGN:
		return "is built for another architecture or word size: the shim cannot be loaded into it";
	case UNHOOKED_UNREADABLE:
		return "cannot be read, so sockswrap cannot tell whether LD_PRELOAD would reach it";
	default:
		return "can be proxied";
	}
}

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define NATIVE_MACHINE EM_386
#elif defined(__arm__)
#define NATIVE_MACHINE EM_ARM
#elif defined(__riscv)
#define NATIVE_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define NATIVE_MACHINE EM_PPC64
#elif defined(__s390x__)
#define NATIVE_MACHINE EM_S390
#endif

#if __SIZEOF_POINTER__ == 8
#define NATIVE_CLASS ELFCLASS64
#else
#define NATIVE_CLASS ELFCLASS32
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif

#define MAX_INTERPRETER_DEPTH 4       /* the kernel's own limit on nested #! */
#define MAX_HEADERS 4096              /* program or section headers looked at */

/* The dynamic loader itself has no PT_INTERP but honours LD_PRELOAD when run as a program. */
static dev_t loader_dev;
static ino_t loader_ino;

static void close_quietly(int fd)
{
	int saved = errno;
	syscall(SYS_close, fd);      /* not close(): that is the shim's own hook */
	errno = saved;
}

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int no_new_privs(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

/* What the kernel does with the set-id bits and capabilities (AT_SECURE), simplified: a change of
 * effective id, or capabilities gained by someone who is not root. */
static enum verdict privilege_verdict(int fd, const struct stat *st)
{
	if (no_new_privs())
		return HOOKABLE;      /* the kernel ignores set-id bits and file capabilities */
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
		return UNHOOKED_SETUID;
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid != getgid())
		return UNHOOKED_SETGID;
	if (getuid() != 0) {
		char caps[64];
		if (fgetxattr(fd, "security.capability", caps, sizeof caps) > 0)
			return UNHOOKED_CAPS;
	}
	return HOOKABLE;
}

static int is_go_note(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	while (off + sizeof(ElfW(Nhdr)) <= len) {
		ElfW(Nhdr) nh;
		memcpy(&nh, buf + off, sizeof nh);
		size_t name_at = off + sizeof nh;
		size_t name_len = (nh.n_namesz + 3u) & ~3u, desc_len = (nh.n_descsz + 3u) & ~3u;
		if (nh.n_namesz > len || nh.n_descsz > len)
			return 0;
		if (nh.n_type == 4 && nh.n_namesz == 3 && name_at + 3 <= len && memcmp(buf + name_at, "Go", 3) == 0)
			return 1;
		if (nh.n_type == 4 && nh.n_namesz == 4 && name_at + 4 <= len && memcmp(buf + name_at, "Go\0\0", 4) == 0)
			return 1;
		off = name_at + name_len + desc_len;
	}
	return 0;
}

static int has_go_section(int fd, const ElfW(Ehdr) *eh)
{
	if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shstrndx >= eh->e_shnum)
		return 0;
	ElfW(Shdr) strtab;
	if (read_at(fd, &strtab, sizeof strtab, (off_t)(eh->e_shoff + (ElfW(Off))eh->e_shstrndx * sizeof strtab)) != 0)
		return 0;
	unsigned n = eh->e_shnum < MAX_HEADERS ? eh->e_shnum : MAX_HEADERS;
	for (unsigned i = 0; i < n; i++) {
		ElfW(Shdr) sh;
		if (read_at(fd, &sh, sizeof sh, (off_t)(eh->e_shoff + (ElfW(Off))i * sizeof sh)) != 0)
			return 0;
		if (sh.sh_name >= strtab.sh_size)
			continue;
		char name[20] = { 0 };
		size_t want = strtab.sh_size - sh.sh_name < sizeof name - 1 ? strtab.sh_size - sh.sh_name : sizeof name - 1;
		if (read_at(fd, name, want, (off_t)(strtab.sh_offset + sh.sh_name)) != 0)
			continue;
		if (strcmp(name, ".go.buildinfo") == 0 || strcmp(name, ".note.go.buildid") == 0)
			return 1;
	}
	return 0;
}

static enum verdict elf_verdict(int fd, const unsigned char *head, size_t head_len, const struct stat *st)
{
	if (head_len < EI_NIDENT + 4 || head[EI_CLASS] != NATIVE_CLASS ||
	    head[EI_DATA] != NATIVE_DATA)
		return UNHOOKED_FOREIGN;
	ElfW(Ehdr) eh;
	if (head_len < sizeof eh)
		return UNHOOKED_FOREIGN;
	memcpy(&eh, head, sizeof eh);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return HOOKABLE;      /* the kernel refuses it by itself */
#ifdef NATIVE_MACHINE
	if (eh.e_machine != NATIVE_MACHINE)
		return UNHOOKED_FOREIGN;
#endif
	enum verdict v = privilege_verdict(fd, st);
	if (v != HOOKABLE)
		return v;
	if (eh.e_phentsize != sizeof(ElfW(Phdr)))
		return HOOKABLE;      /* not loadable; execve will say so */
	int interp = 0, go = 0;
	unsigned n = eh.e_phnum < MAX_HEADERS ? eh.e_phnum : MAX_HEADERS;
	for (unsigned i = 0; i < n && !go; i++) {
		ElfW(Phdr) ph;
		if (read_at(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (ElfW(Off))i * sizeof ph)) != 0)
			break;
		if (ph.p_type == PT_INTERP)
			interp = 1;
		if (ph.p_type == PT_NOTE && ph.p_filesz > 0) {
			unsigned char notes[512];
			size_t len = ph.p_filesz < sizeof notes ? ph.p_filesz : sizeof notes;
			if (read_at(fd, notes, len, (off_t)ph.p_offset) == 0 && is_go_note(notes, len))
				go = 1;
		}
	}
	if (!interp && !(loader_ino != 0 && st->st_dev == loader_dev && st->st_ino == loader_ino))
		return UNHOOKED_STATIC;
	if (go || has_go_section(fd, &eh))
		return UNHOOKED_GO;
	return HOOKABLE;
}

/* The verdict for an open file; for a #! script, its interpreter's. *culprit (capacity PATH_MAX)
 * gets the file the verdict is about when it is an interpreter. */
static enum verdict fd_verdict(int fd, int depth, char *culprit)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return HOOKABLE;      /* execve fails by itself */
	unsigned char head[256];
	ssize_t got;
	do
		got = pread(fd, head, sizeof head, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return UNHOOKED_UNREADABLE;
	if (got >= 2 && head[0] == '#' && head[1] == '!') {
		if (depth >= MAX_INTERPRETER_DEPTH)
			return HOOKABLE;  /* ELOOP from the kernel */
		size_t i = 2;
		while (i < (size_t)got && (head[i] == ' ' || head[i] == '\t'))
			i++;
		size_t start = i;
		while (i < (size_t)got && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\0')
			i++;
		if (i == start || i - start >= PATH_MAX)
			return HOOKABLE;  /* ENOEXEC from the kernel */
		char interp[PATH_MAX];
		memcpy(interp, head + start, i - start);
		interp[i - start] = '\0';
		int ifd = open(interp, O_RDONLY | O_CLOEXEC);
		if (ifd < 0)
			return errno == EACCES ? UNHOOKED_UNREADABLE : HOOKABLE;
		enum verdict v = fd_verdict(ifd, depth + 1, culprit);
		close_quietly(ifd);
		if (v != HOOKABLE && culprit && culprit[0] == '\0')
			memcpy(culprit, interp, i - start + 1);
		return v;
	}
	if (got >= 4 && memcmp(head, ELFMAG, SELFMAG) == 0)
		return elf_verdict(fd, head, (size_t)got, &st);
	return HOOKABLE;              /* ENOEXEC: exec*p hand it to /bin/sh, which is checked */
}

static enum verdict path_verdict(int dirfd, const char *path, int nofollow, char *culprit)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		/* Executable but not readable (mode 0711): cannot inspect, so fail closed. */
		if (errno == EACCES && faccessat(dirfd, path, X_OK, nofollow ? AT_SYMLINK_NOFOLLOW : 0) == 0)
			return UNHOOKED_UNREADABLE;
		return HOOKABLE;      /* exec fails with its own errno */
	}
	enum verdict v = fd_verdict(fd, 0, culprit);
	close_quietly(fd);
	return v;
}

static void remember_loader(void)
{
	Dl_info info;
	unsigned long base = getauxval(AT_BASE);
	struct stat st;
	if (base && dladdr((void *)base, &info) && info.dli_fname && stat(info.dli_fname, &st) == 0) {
		loader_dev = st.st_dev;
		loader_ino = st.st_ino;
	}
}

#ifdef EXEC_GUARD_STANDALONE
/* build/sockswrap-exec-check PATH: prints the verdict's name and text, exit 0 when hookable,
 * 1 when not. */
int main(int argc, char **argv)
{
	static const char *names[] = { "hookable", "static", "go", "setuid", "setgid", "caps", "foreign", "unreadable" };
	if (argc != 2)
		return 2;
	remember_loader();
	char culprit[PATH_MAX] = "";
	enum verdict v = path_verdict(AT_FDCWD, argv[1], 0, culprit);
	char line[PATH_MAX + 512];
	size_t n = 0;
	const char *parts[] = { names[v], "\t", culprit, "\t", verdict_text(v), "\n" };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		size_t l = strlen(parts[i]);
		memcpy(line + n, parts[i], l);
		n += l;
	}
	ssize_t w = write(1, line, n);
	(void)w;
	return v == HOOKABLE ? 0 : 1;
}
#else

/* ---------------------------------------------------------------------------------------------
 * The session's environment, captured once per image. */

extern char **environ;

#define MAX_SESSION_VARS 32
static char session_buf[8192];
static const char *session_vars[MAX_SESSION_VARS];
static size_t session_count;
static char shim_file[PATH_MAX];
static int allow_unhooked;

/* glibc declares the path arguments nonnull, but a program may still pass NULL (the kernel
 * answers EFAULT): hide the pointer from the optimiser so the NULL checks stay. */
static const char *maybe_null(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Set once exec_guard_init ran: an exec from another library's constructor may come first. */
static int guard_ready;

__attribute__((constructor)) static void exec_guard_init(void)
{
	sw_libc_init();
	guard_ready = 1;
	remember_loader();

	Dl_info info;
	if (dladdr((void *)exec_guard_init, &info) && info.dli_fname && info.dli_fname[0] == '/' &&
	    strlen(info.dli_fname) < sizeof shim_file)
		strcpy(shim_file, info.dli_fname);

	size_t used = 0;
	for (char **e = environ; e && *e && session_count < MAX_SESSION_VARS; e++) {
		if (!has_prefix(*e, "SOCKSWRAP_"))
			continue;
		size_t len = strlen(*e) + 1;
		if (used + len > sizeof session_buf)
			break;
		memcpy(session_buf + used, *e, len);
		session_vars[session_count++] = session_buf + used;
		used += len;
		if (strcmp(*e, "SOCKSWRAP_ALLOW_UNHOOKED=1") == 0)
			allow_unhooked = 1;
	}
}

/* Is the shim one of LD_PRELOAD's entries (separated by ':' or ' ')? */
static int preload_has_shim(const char *value)
{
	size_t want = strlen(shim_file);
	for (const char *p = value; *p;) {
		size_t len = strcspn(p, ": ");
		if (len == want && memcmp(p, shim_file, want) == 0)
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* Scratch memory for a new environment: the caller's stack when small, else an mmap (a system
 * call, safe in a vfork child; on a successful exec the mapping goes with the old image). */
#define STACK_SCRATCH 16384

struct scratch {
	char *base;
	size_t size, used;
	int mapped;
};

static void *scratch_take(struct scratch *s, size_t len)
{
	len = (len + 15) & ~(size_t)15;
	if (s->used + len > s->size)
		return NULL;
	void *p = s->base + s->used;
	s->used += len;
	return p;
}

static size_t env_count(char *const envp[])
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

/* How much scratch build_env needs for envp. */
static size_t env_need(char *const envp[])
{
	size_t n = env_count(envp), need = (n + session_count + 2) * sizeof(char *) + 32;
	for (size_t i = 0; i < n; i++)
		if (has_prefix(envp[i], "LD_PRELOAD="))
			need += strlen(envp[i]);
	return need + sizeof "LD_PRELOAD=" + strlen(shim_file) + 1 + 32;
}

/* envp without its SOCKSWRAP_* entries, plus the session's, with the shim first in LD_PRELOAD.
 * Returns NULL when the shim's path is unknown (then envp is used unchanged). */
static char **build_env(char *const envp[], struct scratch *s)
{
	if (shim_file[0] == '\0')
		return NULL;
	size_t n = env_count(envp);
	char **out = scratch_take(s, (n + session_count + 2) * sizeof(char *));
	if (!out)
		return NULL;
	size_t k = 0;
	const char *preload = NULL;
	for (size_t i = 0; i < n; i++) {
		if (has_prefix(envp[i], "SOCKSWRAP_"))
			continue;
		if (has_prefix(envp[i], "LD_PRELOAD=")) {
			preload = envp[i];    /* ld.so takes the last one; one merged entry replaces all */
			continue;
		}
		out[k++] = envp[i];
	}
	for (size_t i = 0; i < session_count; i++)
		out[k++] = (char *)session_vars[i];
	const char *old = preload ? preload + strlen("LD_PRELOAD=") : "";
	if (preload && preload_has_shim(old)) {
		out[k++] = (char *)preload;
	} else {
		size_t shim_len = strlen(shim_file), old_len = strlen(old);
		char *line = scratch_take(s, sizeof "LD_PRELOAD=" + shim_len + 1 + old_len);
		if (!line)
			return NULL;
		size_t at = 0;
		memcpy(line, "LD_PRELOAD=", strlen("LD_PRELOAD="));
		at += strlen("LD_PRELOAD=");
		memcpy(line + at, shim_file, shim_len);
		at += shim_len;
		if (old_len) {
			line[at++] = ':';
			memcpy(line + at, old, old_len);
			at += old_len;
		}
		line[at] = '\0';
		out[k++] = line;
	}
	out[k] = NULL;
	return out;
}

static int scratch_map(struct scratch *s, size_t need)
{
	void *p = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	*s = (struct scratch){ .base = p, .size = need, .mapped = 1 };
	return 0;
}

static void scratch_unmap(struct scratch *s)
{
	if (s->mapped) {
		int saved = errno;
		munmap(s->base, s->size);
		errno = saved;
	}
}

/* One "[sockswrap] ..." line, built by hand (no stdio, no malloc). */
static void report(const char *path, const char *culprit, enum verdict v, int allowed)
{
	char line[PATH_MAX * 2 + 512];
	size_t n = 0;
	const char *parts[8];
	size_t count = 0;
	parts[count++] = allowed ? "warning: running " : "refusing to run ";
	parts[count++] = path;
	if (culprit[0]) {
		parts[count++] = ": its interpreter ";
		parts[count++] = culprit;
		parts[count++] = " ";
	} else {
		parts[count++] = ": it ";
	}
	parts[count++] = verdict_text(v);
	parts[count++] = allowed ? " (--allow-unhooked: its traffic is NOT proxied)"
				 : " (sockswrap --allow-unhooked runs it anyway, unproxied)";
	for (size_t i = 0; i < count; i++) {
		size_t l = strlen(parts[i]);
		if (n + l >= sizeof line - 1)
			l = sizeof line - 1 - n;
		memcpy(line + n, parts[i], l);
		n += l;
	}
	line[n] = '\0';
	shim_log_fatal(line);
}

/* 0: go ahead; EACCES: refused (reported). */
static int guard(enum verdict v, const char *path, const char *culprit)
{
	if (v == HOOKABLE)
		return 0;
	report(path, culprit, v, allow_unhooked);
	return allow_unhooked ? 0 : EACCES;
}

/* What exec*p would run: the first executable regular file on PATH, into buf. */
static const char *search_path(const char *file, char *buf, size_t cap)
{
	if (strchr(file, '/'))
		return file;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	size_t flen = strlen(file);
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		if (dlen + 1 + flen + 1 <= cap) {
			if (dlen) {
				memcpy(buf, p, dlen);
				buf[dlen] = '/';
				memcpy(buf + dlen + 1, file, flen + 1);
			} else {
				memcpy(buf, file, flen + 1);    /* an empty entry is the cwd */
			}
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
				return buf;
		}
		if (*end == '\0')
			return NULL;
		p = end;
	}
}

/* Checks target (path relative to dirfd, or the open file fd when path is NULL), then builds the
 * child environment into *env_out. Returns 0 or an errno. */
static int prepare(int dirfd, const char *path, int fd, int nofollow, const char *shown,
		   char *const envp[], struct scratch *s, char ***env_out)
{
	char culprit[PATH_MAX];
	culprit[0] = '\0';
	enum verdict v;
	if (path) {
		v = path_verdict(dirfd, path, nofollow, culprit);
	} else {
		char proc[64] = "/proc/self/fd/";
		size_t at = strlen(proc);
		char digits[16];
		int d = 0;
		unsigned u = (unsigned)fd;
		do
			digits[d++] = (char)('0' + u % 10);
		while ((u /= 10) && d < 15);
		while (d)
			proc[at++] = digits[--d];
		proc[at] = '\0';
		v = path_verdict(AT_FDCWD, proc, 0, culprit);
	}
	int err = guard(v, shown, culprit);
	if (err)
		return err;
	*env_out = build_env(envp, s);
	return 0;
}

/* Declares scratch big enough for envp: a stack VLA when small, else an mmap. */
#define WITH_SCRATCH(s, envp, fail_expr)                                                       \
	size_t s##_need = env_need(envp);                                                      \
	char s##_stack[s##_need <= STACK_SCRATCH ? s##_need : 1] __attribute__((aligned(16))); \
	struct scratch s = { .base = s##_stack, .size = sizeof s##_stack };                    \
	if (s##_need > STACK_SCRATCH && scratch_map(&s, s##_need) != 0) {                      \
		fail_expr;                                                                     \
	}

/* prepare() for a program looked up on PATH (execvp*, posix_spawnp); one not found still gets the
 * session's environment, and the real call fails as libc decides. */
static int prepare_found(const char *target, char *const envp[], struct scratch *s, char ***env)
{
	if (target)
		return prepare(AT_FDCWD, target, -1, 0, target, envp, s, env);
	*env = build_env(envp, s);
	return 0;
}

/* After prepare(): refuse with its errno, or make the real call with the prepared environment
 * (env when prepare built one). The scratch mapping goes either way. */
#define EXEC_PREPARED(s, err, call)        \
	do {                               \
		if (err) {                 \
			scratch_unmap(&s); \
			errno = err;       \
			return -1;         \
		}                          \
		int r_ = (call);           \
		scratch_unmap(&s);         \
		return r_;                 \
	} while (0)

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char **env = NULL;
	int err = maybe_null(path) ? prepare(AT_FDCWD, path, -1, 0, path, envp, &s, &env) : 0;
	EXEC_PREPARED(s, err, real.execve(path, argv, env ? env : envp));
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	if (!maybe_null(file) || !*file)
		return real.execvpe(file, argv, envp);
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char found[PATH_MAX];
	const char *target = search_path(file, found, sizeof found);
	char **env = NULL;
	int err = prepare_found(target, envp, &s, &env);
	EXEC_PREPARED(s, err, real.execvpe(file, argv, env ? env : envp));
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char **env = NULL;
	int err = prepare(AT_FDCWD, NULL, fd, 0, "(fexecve descriptor)", envp, &s, &env);
	EXEC_PREPARED(s, err, real.fexecve(fd, argv, env ? env : envp));
}

SHIM_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	if (!guard_ready)
		exec_guard_init();
	if (!real.execveat) {
		errno = ENOSYS;
		return -1;
	}
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char **env = NULL;
	int err;
	if (maybe_null(path) && path[0] == '\0' && (flags & AT_EMPTY_PATH))
		err = prepare(AT_FDCWD, NULL, dirfd, 0, "(execveat descriptor)", envp, &s, &env);
	else
		err = maybe_null(path) ? prepare(dirfd, path, -1, flags & AT_SYMLINK_NOFOLLOW, path, envp, &s, &env) : 0;
	EXEC_PREPARED(s, err, real.execveat(dirfd, path, argv, env ? env : envp, flags));
}

/* execl, execle, execlp: the arguments into an array on the stack. */
#define COLLECT_ARGS(first, ap, argv, extra)                      \
	size_t argc_ = 1;                                         \
	va_start(ap, first);                                      \
	while (va_arg(ap, char *))                                \
		argc_++;                                          \
	va_end(ap);                                               \
	char *argv[argc_ + 1];                                    \
	argv[0] = (char *)first;                                  \
	va_start(ap, first);                                      \
	for (size_t i_ = 1; i_ <= argc_; i_++)                    \
		argv[i_] = va_arg(ap, char *);                    \
	extra;                                                    \
	va_end(ap);

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	COLLECT_ARGS(arg, ap, argv, (void)0)
	return execve(path, argv, environ);
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	COLLECT_ARGS(arg, ap, argv, (void)0)
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char *const *envp;
	COLLECT_ARGS(arg, ap, argv, envp = va_arg(ap, char *const *))
	return execve(path, argv, envp);
}

/* posix_spawn runs here in the parent, so nothing is restricted, but the same code serves. */
static int spawn_common(int search, pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	WITH_SCRATCH(s, envp, return E2BIG)
	char found[PATH_MAX];
	const char *target = file && *file ? (search ? search_path(file, found, sizeof found) : file) : NULL;
	char **env = NULL;
	int err = prepare_found(target, envp, &s, &env);
	if (err) {
		scratch_unmap(&s);
		return err;
	}
	int r = (search ? real.posix_spawnp : real.posix_spawn)(pid, file, fa, attr, argv, env ? env : envp);
	scratch_unmap(&s);
	return r;
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(0, pid, path, fa, attr, argv, envp);
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(1, pid, file, fa, attr, argv, envp);
}

/* ---------------------------------------------------------------------------------------------
 * system() and popen() start /bin/sh from inside libc (an internal posix_spawn no hook sees),
 * with the process's own environ. A program that scrubbed LD_PRELOAD from environ would start an
 * unhooked shell, and whatever that shell runs would go direct: put the session back first.
 * Neither function is async-signal-safe, so neither is this. */

static char restored_preload[PATH_MAX + 4096];

static void restore_session_environ(void)
{
	if (!guard_ready)
		exec_guard_init();
	for (size_t i = 0; i < session_count; i++) {
		const char *eq = strchr(session_vars[i], '=');
		if (!eq)
			continue;
		char name[64];
		size_t len = (size_t)(eq - session_vars[i]);
		if (len >= sizeof name)
			continue;
		memcpy(name, session_vars[i], len);
		name[len] = '\0';
		const char *now = getenv(name);
		if (!now || strcmp(now, eq + 1) != 0)
			putenv((char *)session_vars[i]); /* static storage: putenv keeps the pointer */
	}
	if (shim_file[0] == '\0')
		return;
	const char *preload = getenv("LD_PRELOAD");
	if (preload && preload_has_shim(preload))
		return;
	int n = snprintf(restored_preload, sizeof restored_preload, "LD_PRELOAD=%s%s%s", shim_file,
			 preload && *preload ? ":" : "", preload ? preload : "");
	if (n > 0 && (size_t)n < sizeof restored_preload)
		putenv(restored_preload);
}

SHIM_EXPORT int system(const char *command)
{
	sw_libc_init();
	if (command)
		restore_session_environ();
	return real.system(command);
}

SHIM_EXPORT FILE *popen(const char *command, const char *mode)
{
	sw_libc_init();
	restore_session_environ();
	return real.popen(command, mode);
}

#endif /* EXEC_GUARD_STANDALONE */
