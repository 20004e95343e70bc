/* Reads the launcher's environment once per process image (the constructor asks first, so it is
 * read before main can change it). A fork child shares the parent's
 * image and environment, so the parsed copy stays valid there; exec re-runs the constructor. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/shim-env.h"

static struct shim_config config = { .remote_dns = 1 };
static const char *config_problem;
static atomic_int problem_reported;
static atomic_int gone_reported;

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static void env_load(void);

const struct shim_config *shim_config(void)
{
	pthread_once(&env_once, env_load);
	return &config;
}

void shim_log_fatal(const char *msg)
{
	char line[512];
	size_t n = 0;
	const char *prefix = "[sockswrap] ";
	size_t plen = strlen(prefix), mlen = strlen(msg);
	if (mlen > sizeof line - plen - 1)
		mlen = sizeof line - plen - 1;
	memcpy(line, prefix, plen);
	memcpy(line + plen, msg, mlen);
	n = plen + mlen;
	line[n++] = '\n';
	int saved = errno;
	/* The system call: write() is the shim's own hook, and this runs before libc is looked up. */
	syscall(SYS_write, 2, line, n);
	errno = saved;
}

void shim_report_config_problem(void)
{
	if (!config_problem || atomic_exchange(&problem_reported, 1))
		return;
	shim_log_fatal(config_problem);
	shim_log_fatal("network access is refused (loopback excepted)");
}

void shim_report_agent_gone(int connect_errno)
{
	/* Once per process; the connection (or lookup) fails closed either way. Under `sockswrap --`
	 * the agent ends with the launcher, when the program it started ends: what is left running
	 * (a job put in the background, a daemon) is told why its connections fail, and what to use. */
	if (atomic_exchange(&gone_reported, 1))
		return;
	const char *line;
	if (connect_errno == EACCES || connect_errno == EPERM)
		line = "cannot reach sockswrap's agent (permission denied on its socket: did the program change its user?): "
		       "connections and lookups that would be proxied are refused";
	else if (connect_errno != 0 && connect_errno != ENOENT && connect_errno != ECONNREFUSED)
		line = "cannot reach sockswrap's agent (its socket refuses connections): "
		       "connections and lookups that would be proxied are refused";
	else if (config.shell)
		line = "this shell's agent is gone: connections that would be proxied are refused; "
		       "run eval \"$(sockswrap on ...)\" again (fish: sockswrap on ... | source)";
	else
		line = "this run's agent has ended (sockswrap ends with the program it started): "
		       "connections and lookups that would be proxied are refused; "
		       "for programs that outlive it, use shell mode: eval \"$(sockswrap on ...)\"";
	shim_log_fatal(line);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_token(const char *s, unsigned char out[16])
{
	if (!s || strlen(s) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Strict decimal: no sign, no spaces, no leading garbage that strtoul would accept. */
static int parse_port(const char *s, int allow_zero, uint16_t *out)
{
	if (!s || !*s || strlen(s) > 5)
		return -1;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535 || (v == 0 && !allow_zero))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static void env_load(void)
{
	struct shim_config c = { .remote_dns = 1 };
	const char *sock = getenv("SOCKSWRAP_SOCK");
	const char *dns = getenv("SOCKSWRAP_REMOTE_DNS");
	const char *problem = NULL;

	if (!sock || sock[0] != '/' || strlen(sock) >= sizeof c.sock_path)
		problem = "SOCKSWRAP_SOCK is missing or not an absolute socket path";
	else if (parse_token(getenv("SOCKSWRAP_TOKEN"), c.token) != 0)
		problem = "SOCKSWRAP_TOKEN is missing or not 32 lowercase hex digits";
	else if (parse_port(getenv("SOCKSWRAP_RELAY_PORT4"), 0, &c.relay_port4) != 0)
		problem = "SOCKSWRAP_RELAY_PORT4 is missing or not a port number";
	else if (parse_port(getenv("SOCKSWRAP_RELAY_PORT6"), 1, &c.relay_port6) != 0)
		problem = "SOCKSWRAP_RELAY_PORT6 is missing or not a port number (0 for none)";
	else if (parse_port(getenv("SOCKSWRAP_UDP_PORT4"), 0, &c.udp_port4) != 0)
		problem = "SOCKSWRAP_UDP_PORT4 is missing or not a port number";
	else if (parse_port(getenv("SOCKSWRAP_UDP_PORT6"), 1, &c.udp_port6) != 0)
		problem = "SOCKSWRAP_UDP_PORT6 is missing or not a port number (0 for none)";
	else if (!dns || (strcmp(dns, "0") != 0 && strcmp(dns, "1") != 0))
		problem = "SOCKSWRAP_REMOTE_DNS is missing or not 0 or 1";

	if (problem) {
		/* Fail closed: no agent means no proxied traffic and no name lookups. Said once, when
		 * it first matters, so programs that never touch the network stay quiet. */
		config_problem = problem;
		config = (struct shim_config){ .ok = 0, .remote_dns = 1 };
		return;
	}
	strcpy(c.sock_path, sock);
	c.remote_dns = dns[0] == '1';
	const char *shell = getenv("SOCKSWRAP_SHELL");
	c.shell = shell && strcmp(shell, "1") == 0;
	c.ok = 1;
	config = c;
}
