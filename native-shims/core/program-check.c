/* Can LD_PRELOAD reach this program? Decided from the file itself (core/program-check.h):
 *   - statically linked (an ELF without PT_INTERP): no dynamic loader, so no preload at all;
 *   - Go (a Go build-ID note, a .go.buildinfo or .note.go.buildid section): Go makes its system
 *     calls itself, even when dynamically linked;
 *   - setuid/setgid to someone else, or file capabilities for a caller other than root: the
 *     kernel marks the exec secure (AT_SECURE) and the loader drops LD_PRELOAD;
 *   - another machine, word size or byte order: the shim cannot be loaded into it;
 *   - executable but unreadable: cannot be inspected, so fail closed.
 * A #! script is judged by its interpreter, as the kernel runs it, through up to 5 nested #!
 * (the kernel's limit) and through `#!/usr/bin/env [-S ...] NAME`, NAME found on the PATH the
 * program gets.
 *
 * Runs in vfork children (the exec hook): system calls only, on the caller's stack (about 8 KiB),
 * no allocation, no locks, no stdio. Typically four reads per program: the first 2 KiB (header,
 * program headers and notes), the section headers, and the section names. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/program-check.h"

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
#elif defined(__loongarch__)
#define NATIVE_MACHINE 258            /* EM_LOONGARCH; older elf.h lack the name */
#elif defined(__mips__)
#define NATIVE_MACHINE EM_MIPS
#else
#error "program-check.c: add this architecture's ELF e_machine"
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

#define BINPRM_BUF_SIZE 256           /* what the kernel reads of a #! line */
#define HEAD_SIZE 2048                /* first read: ELF header, program headers, notes */
#define MAX_HEADERS 4096              /* program or section headers looked at */
#define DEFAULT_PATH "/bin:/usr/bin"  /* glibc's execvp when PATH is unset */

static dev_t loader_dev;
static ino_t loader_ino;

void sw_program_check_init(void)
{
	Dl_info info;
	unsigned long base = getauxval(AT_BASE);
	struct stat st;
	if (base && dladdr((void *)base, &info) && info.dli_fname && stat(info.dli_fname, &st) == 0) {
		loader_dev = st.st_dev;
		loader_ino = st.st_ino;
	}
}

static const char *const KIND_NAMES[SW_PROGRAM_KINDS] = {
	"hookable", "static", "go", "setuid", "setgid", "caps", "foreign", "unreadable",
};

const char *sw_program_kind_name(enum sw_program_kind kind)
{
	return (unsigned)kind < SW_PROGRAM_KINDS ? KIND_NAMES[kind] : "unknown";
}

const char *sw_program_reason(enum sw_program_kind kind)
{
	switch (kind) {
	case SW_PROGRAM_STATIC:
		return "is statically linked: it makes system calls without the dynamic loader, so LD_PRELOAD never reaches it";
	case SW_PROGRAM_GO:
		return "is a Go program: Go makes its network system calls directly, not through libc";
	case SW_PROGRAM_SETUID:
		return "is setuid: the dynamic loader ignores LD_PRELOAD for it";
	case SW_PROGRAM_SETGID:
		return "is setgid: the dynamic loader ignores LD_PRELOAD for it";
	case SW_PROGRAM_CAPS:
		return "has file capabilities: the dynamic loader ignores LD_PRELOAD for it";
	case SW_PROGRAM_FOREIGN:
		return "is built for another architecture or word size: the shim cannot be loaded into it";
	case SW_PROGRAM_UNREADABLE:
		return "cannot be read, so sockswrap cannot tell whether LD_PRELOAD would reach it";
	default:
		return "can be proxied";
	}
}

static void close_quietly(int fd)
{
	int saved = errno;
	syscall(SYS_close, fd);      /* not close(): in the shim that is a hook */
	errno = saved;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* An open file and its first bytes: reads inside them cost no system call. */
struct file_view {
	int fd;
	const unsigned char *head;
	size_t head_len;
};

/* len bytes at off: a pointer into the head when they are there, else read into scratch. */
static const void *view(const struct file_view *f, uint64_t off, size_t len, void *scratch)
{
	if (off <= f->head_len && len <= f->head_len - off)
		return f->head + off;
	if (off > (uint64_t)INT64_MAX - len)
		return NULL;
	return read_at(f->fd, scratch, len, off) == 0 ? scratch : NULL;
}

/* What the kernel does with set-id bits and capabilities (AT_SECURE), simplified: a change of
 * effective id, or capabilities gained by someone who is not root. */
static enum sw_program_kind privilege_kind(int fd, const struct stat *st)
{
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return SW_PROGRAM_HOOKABLE;   /* the kernel ignores set-id bits and file capabilities */
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
		return SW_PROGRAM_SETUID;
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid != getgid())
		return SW_PROGRAM_SETGID;
	if (getuid() != 0) {
		char caps[64];
		if (fgetxattr(fd, "security.capability", caps, sizeof caps) > 0)
			return SW_PROGRAM_CAPS;
	}
	return SW_PROGRAM_HOOKABLE;
}

static int is_go_note(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	while (off + sizeof(ElfW(Nhdr)) <= len) {
		ElfW(Nhdr) nh;
		memcpy(&nh, buf + off, sizeof nh);
		size_t name_at = off + sizeof nh;
		if (nh.n_namesz > len || nh.n_descsz > len)
			return 0;
		if (nh.n_type == 4 && (nh.n_namesz == 3 || nh.n_namesz == 4) && name_at + nh.n_namesz <= len &&
		    memcmp(buf + name_at, "Go", 3) == 0 && (nh.n_namesz == 3 || buf[name_at + 3] == 0))
			return 1;
		off = name_at + ((nh.n_namesz + 3u) & ~3u) + ((nh.n_descsz + 3u) & ~3u);
	}
	return 0;
}

static int is_go_section_name(const char *name, size_t room)
{
	static const char *const names[] = { ".go.buildinfo", ".note.go.buildid" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t len = strlen(names[i]) + 1;
		if (len <= room && memcmp(name, names[i], len) == 0)
			return 1;
	}
	return 0;
}

#define SECTION_CHUNK 16
#define NAMES_WINDOW 1024

static int has_go_section(const struct file_view *f, const ElfW(Ehdr) *eh)
{
	if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shstrndx >= eh->e_shnum)
		return 0;
	ElfW(Shdr) chunk[SECTION_CHUNK], strtab;
	const void *p = view(f, eh->e_shoff + (uint64_t)eh->e_shstrndx * sizeof strtab, sizeof strtab, &strtab);
	if (!p)
		return 0;
	memcpy(&strtab, p, sizeof strtab);
	/* The names, once: every section name is usually in the first KiB of .shstrtab. */
	char names[NAMES_WINDOW];
	size_t window = strtab.sh_size < sizeof names ? strtab.sh_size : sizeof names;
	if (window && read_at(f->fd, names, window, strtab.sh_offset) != 0)
		return 0;
	unsigned n = eh->e_shnum < MAX_HEADERS ? eh->e_shnum : MAX_HEADERS;
	for (unsigned first = 0; first < n; first += SECTION_CHUNK) {
		unsigned count = n - first < SECTION_CHUNK ? n - first : SECTION_CHUNK;
		const ElfW(Shdr) *sh = view(f, eh->e_shoff + (uint64_t)first * sizeof *sh, count * sizeof *sh, chunk);
		if (!sh)
			return 0;
		for (unsigned i = 0; i < count; i++) {
			ElfW(Shdr) s;
			memcpy(&s, &sh[i], sizeof s);
			if (s.sh_name >= strtab.sh_size)
				continue;
			if (s.sh_name < window) {
				if (is_go_section_name(names + s.sh_name, window - s.sh_name))
					return 1;
				continue;
			}
			char name[20];
			size_t want = strtab.sh_size - s.sh_name < sizeof name ? strtab.sh_size - s.sh_name : sizeof name;
			if (read_at(f->fd, name, want, strtab.sh_offset + s.sh_name) == 0 && is_go_section_name(name, want))
				return 1;
		}
	}
	return 0;
}

static int is_loader(const struct stat *st)
{
	return loader_ino != 0 && st->st_dev == loader_dev && st->st_ino == loader_ino;
}

static enum sw_program_kind elf_kind(const struct file_view *f, const struct stat *st)
{
	if (f->head_len < EI_NIDENT || f->head[EI_CLASS] != NATIVE_CLASS || f->head[EI_DATA] != NATIVE_DATA)
		return SW_PROGRAM_FOREIGN;
	ElfW(Ehdr) eh;
	if (f->head_len < sizeof eh)
		return SW_PROGRAM_FOREIGN;
	memcpy(&eh, f->head, sizeof eh);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return SW_PROGRAM_HOOKABLE;   /* the kernel refuses it by itself */
	if (eh.e_machine != NATIVE_MACHINE)
		return SW_PROGRAM_FOREIGN;
	enum sw_program_kind k = privilege_kind(f->fd, st);
	if (k != SW_PROGRAM_HOOKABLE)
		return k;
	if (eh.e_phentsize != sizeof(ElfW(Phdr)))
		return SW_PROGRAM_HOOKABLE;   /* not loadable; execve says so */
	int interp = 0, go = 0;
	unsigned n = eh.e_phnum < MAX_HEADERS ? eh.e_phnum : MAX_HEADERS;
	ElfW(Phdr) chunk[SECTION_CHUNK];
	for (unsigned first = 0; first < n; first += SECTION_CHUNK) {
		unsigned count = n - first < SECTION_CHUNK ? n - first : SECTION_CHUNK;
		const ElfW(Phdr) *ph = view(f, eh.e_phoff + (uint64_t)first * sizeof *ph, count * sizeof *ph, chunk);
		if (!ph)
			break;
		for (unsigned i = 0; i < count; i++) {
			ElfW(Phdr) p;
			memcpy(&p, &ph[i], sizeof p);
			if (p.p_type == PT_INTERP)
				interp = 1;
			if (p.p_type == PT_NOTE && p.p_filesz > 0 && !go) {
				unsigned char scratch[512];
				size_t len = p.p_filesz < sizeof scratch ? p.p_filesz : sizeof scratch;
				const unsigned char *notes = view(f, p.p_offset, len, scratch);
				if (notes && is_go_note(notes, len))
					go = 1;
			}
		}
	}
	if (!interp && !is_loader(st))
		return SW_PROGRAM_STATIC;
	if (go || has_go_section(f, &eh))
		return SW_PROGRAM_GO;
	return SW_PROGRAM_HOOKABLE;
}

const char *sw_program_search(const char *file, const char *path_list, char *buf, size_t cap)
{
	if (strchr(file, '/'))
		return file;
	if (!*file)
		return NULL;
	const char *path = path_list ? path_list : DEFAULT_PATH;
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

/* ---------------------------------------------------------------------------------------------
 * #! lines and env */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The kernel's reading of a #! line (fs/binfmt_script.c): the interpreter into interp, the
 * optional argument (the rest of the line, one argument with its inner spaces) into arg.
 * 0 when the kernel would answer ENOEXEC. */
static int parse_shebang(const unsigned char *head, size_t got, char interp[BINPRM_BUF_SIZE],
			 char arg[BINPRM_BUF_SIZE])
{
	char line[BINPRM_BUF_SIZE];
	size_t len = got < BINPRM_BUF_SIZE - 1 ? got : BINPRM_BUF_SIZE - 1;
	memcpy(line, head, len);
	line[len] = '\0';
	char *nl = memchr(line, '\n', len);
	if (nl) {
		*nl = '\0';
	} else if (got >= BINPRM_BUF_SIZE) {
		/* Cut at 255 bytes: fine unless the interpreter's name itself is cut. */
		size_t i = 2;
		while (i < len && is_blank(line[i]))
			i++;
		while (i < len && line[i] && !is_blank(line[i]))
			i++;
		if (i >= len)
			return 0;
	}
	len = strlen(line);
	while (len > 2 && is_blank(line[len - 1]))
		line[--len] = '\0';
	char *p = line + 2;
	while (is_blank(*p))
		p++;
	if (!*p)
		return 0;
	size_t n = 0;
	while (p[n] && !is_blank(p[n]))
		n++;
	memcpy(interp, p, n);
	interp[n] = '\0';
	p += n;
	while (is_blank(*p))
		p++;
	strcpy(arg, p);
	return 1;
}

static int is_env(const char *interp)
{
	const char *slash = strrchr(interp, '/');
	return strcmp(slash ? slash + 1 : interp, "env") == 0;
}

/* What `env ARG SCRIPT` execs, for ARG the rest of a #! line (GNU env: one argument; -S splits
 * it): the command's name in *name and the PATH env searches in *path (NULL: unset). 0 when
 * unsure (quotes, escapes, -C, no command...): then env itself is judged, which is safe, because
 * env runs with the shim and its own exec is judged by the exec hook. arg is cut in place. */
static int env_command(char *arg, const char *env_path, const char **name, const char **path)
{
	*path = env_path;
	if (*arg != '-') {
		*name = arg;                  /* the whole rest, spaces and all, as env gets it */
		return *arg && !strchr(arg, '=');
	}
	/* One option cluster: -[iv0]*S STRING, then STRING is split into more arguments. */
	char *p = arg + 1;
	while (*p == 'i' || *p == 'v' || *p == '0') {
		if (*p == 'i')
			*path = NULL;
		p++;
	}
	if (*p != 'S')
		return 0;
	p++;
	char *words[32];
	size_t count = 0;
	while (*p && count < sizeof words / sizeof words[0]) {
		while (is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (*p == '#')
			break;                /* a comment ends the string */
		words[count++] = p;
		while (*p && !is_blank(*p)) {
			if (*p == '\'' || *p == '"' || *p == '\\' || *p == '$')
				return 0;     /* env's quoting and ${VAR}: not emulated */
			p++;
		}
	}
	size_t i = 0;
	for (; i < count && words[i][0] == '-'; i++) {
		const char *w = words[i];
		if (strcmp(w, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(w, "-i") == 0 || strcmp(w, "--ignore-environment") == 0 || strcmp(w, "-") == 0) {
			*path = NULL;
		} else if (strcmp(w, "-u") == 0 && i + 1 < count) {
			if (strcmp(words[++i], "PATH") == 0)
				*path = NULL;
		} else if (strncmp(w, "-u", 2) == 0 || strncmp(w, "--unset=", 8) == 0) {
			if (strcmp(w + (w[1] == 'u' ? 2 : 8), "PATH") == 0)
				*path = NULL;
		} else if (strcmp(w, "-0") != 0 && strcmp(w, "-v") != 0 && strcmp(w, "--debug") != 0) {
			return 0;
		}
	}
	for (; i < count && strchr(words[i], '='); i++)
		if (strncmp(words[i], "PATH=", 5) == 0)
			*path = words[i] + 5;
	if (i >= count)
		return 0;                     /* the command would be the script itself */
	*name = words[i];
	return 1;
}

static void remember(struct sw_program_verdict *out, const char *file)
{
	if (out->depth >= SW_PROGRAM_MAX_CHAIN)
		return;
	size_t len = strlen(file);
	if (len >= SW_PROGRAM_NAME_MAX)
		len = SW_PROGRAM_NAME_MAX - 1;
	memcpy(out->chain[out->depth], file, len);
	out->chain[out->depth][len] = '\0';
	out->depth++;
}

void sw_program_check(int dirfd, const char *path, int nofollow, const char *env_path,
		      struct sw_program_verdict *out)
{
	out->kind = SW_PROGRAM_HOOKABLE;
	out->depth = 0;
	char next[PATH_MAX];          /* the interpreter to judge next */
	char env_arg[BINPRM_BUF_SIZE];
	int via_env = 0;              /* the file being judged is a #! line's env, with env_arg */
	const char *file = path;
	for (;;) {
		int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
		if (fd < 0) {
			/* Executable but not readable (mode 0711): cannot inspect, so fail closed. */
			if (errno == EACCES && faccessat(dirfd, file, X_OK, nofollow ? AT_SYMLINK_NOFOLLOW : 0) == 0)
				out->kind = SW_PROGRAM_UNREADABLE;
			return;               /* otherwise the exec fails with its own errno */
		}
		struct stat st;
		unsigned char head[HEAD_SIZE];
		ssize_t got = -1;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close_quietly(fd);
			return;               /* execve fails by itself */
		}
		do
			got = pread(fd, head, sizeof head, 0);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			close_quietly(fd);
			out->kind = SW_PROGRAM_UNREADABLE;
			return;
		}
		if (got >= 2 && head[0] == '#' && head[1] == '!') {
			close_quietly(fd);
			char interp[BINPRM_BUF_SIZE];
			if (out->depth >= SW_PROGRAM_MAX_CHAIN || !parse_shebang(head, (size_t)got, interp, env_arg))
				return;       /* ELOOP or ENOEXEC from the kernel */
			memcpy(next, interp, strlen(interp) + 1);
			via_env = is_env(interp) && env_arg[0];
			remember(out, next);
			file = next;
			dirfd = AT_FDCWD;     /* the kernel opens the interpreter from the cwd */
			nofollow = 0;
			continue;
		}
		int elf = got >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0;
		if (elf) {
			struct file_view f = { .fd = fd, .head = head, .head_len = (size_t)got };
			out->kind = elf_kind(&f, &st);
		}
		close_quietly(fd);    /* not ELF, not #!: ENOEXEC, or exec*p hand it to /bin/sh */
		if (!elf || out->kind != SW_PROGRAM_HOOKABLE || !via_env || out->depth >= SW_PROGRAM_MAX_CHAIN)
			return;
		/* env itself can be proxied: judge what it will exec, as it would find it. */
		via_env = 0;
		const char *name, *search;
		if (!env_command(env_arg, env_path, &name, &search))
			return;
		/* next (env's own name) is done with; name and search point into env_arg or env_path. */
		const char *target = sw_program_search(name, search, next, sizeof next);
		if (!target)
			return;               /* env fails by itself (127) */
		remember(out, target);
		file = target;
	}
}

/* ---------------------------------------------------------------------------------------------
 * The message */

struct line {
	char *out;
	size_t cap, len;
};

static void put(struct line *l, const char *s)
{
	size_t n = strlen(s);
	if (l->len + n >= l->cap)
		n = l->cap - 1 - l->len;
	memcpy(l->out + l->len, s, n);
	l->len += n;
	l->out[l->len] = '\0';
}

size_t sw_program_message(const struct sw_program_verdict *v, const char *shown, int allowed,
			  char *out, size_t cap)
{
	struct line l = { .out = out, .cap = cap, .len = 0 };
	if (!cap)
		return 0;
	out[0] = '\0';
	put(&l, allowed ? "warning: running " : "refusing to run ");
	put(&l, shown);
	if (v->depth == 0) {
		put(&l, ": it ");
	} else {
		put(&l, ": it is a script run by ");
		put(&l, v->chain[v->depth - 1]);
		if (v->depth > 1) {
			put(&l, " (through ");
			for (unsigned i = 0; i + 1 < v->depth; i++) {
				if (i)
					put(&l, ", ");
				put(&l, v->chain[i]);
			}
			put(&l, ")");
		}
		put(&l, ", which ");
	}
	put(&l, sw_program_reason(v->kind));
	put(&l, allowed ? " (--allow-unhooked: its traffic is NOT proxied)"
			: " (sockswrap --allow-unhooked runs it anyway, unproxied)");
	return l.len;
}
