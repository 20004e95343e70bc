/* core/shim-env.c: configuration from the environment, read once per process image. */
#ifndef SOCKSWRAP_SHIM_ENV_H
#define SOCKSWRAP_SHIM_ENV_H

#include <stdint.h>

struct shim_config {
	int ok;                   /* every variable present and well formed */
	char sock_path[108];      /* sizeof(sun_path) */
	unsigned char token[16];
	uint16_t relay_port4;
	uint16_t relay_port6;     /* 0: no IPv6 loopback relay */
	uint16_t udp_port4;       /* the UDP relay on 127.0.0.1 */
	uint16_t udp_port6;       /* the UDP relay on ::1; 0: none */
	int remote_dns;           /* also 1 when misconfigured, so names fail closed */
	int shell;                /* SOCKSWRAP_SHELL=1: started from a shell in shell mode (`sockswrap on`) */
};

/* Parsed on the first call (core/shim-init.c makes that the constructor). */
const struct shim_config *shim_config(void);
/* Writes "[sockswrap] msg\n" to stderr; no stdio so nothing is buffered or reordered. */
void shim_log_fatal(const char *msg);
/* Once per process, when a call first needs the agent the environment did not describe. */
void shim_report_config_problem(void);
/* Once per process, when the agent cannot be reached. `connect_errno`: why connect() to its
 * socket failed (ENOENT, ECONNREFUSED: no agent there; anything else, such as EACCES after the
 * program changed its user: the agent may be alive), or 0 when it refused our HELLO. */
void shim_report_agent_gone(int connect_errno);

#endif
