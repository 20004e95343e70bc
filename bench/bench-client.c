/* The bench's wrapped client (compiled by bench/run.js). Plain blocking sockets, so sockswrap and
 * proxychains4 run the same code path the same way.
 *   bench-client seq  N host port [mark [ports]]
 *                                         N sequential connect + 1-byte echo + close; prints
 *                                         "conns_per_s X", "median_ms Y" (one connect + echo)
 *                                         and "median_connect_ms Z" (connect() alone);
 *                                         every `mark` connections (0: never) prints "mark i"
 *                                         and waits for a line on stdin; `ports`: connection i
 *                                         goes to port + i % ports (that many destinations)
 *   bench-client socks5 N proxy port target tport
 *                                         no wrapper: N sequential connects through the SOCKS5
 *                                         proxy, greeting and request in one write (the floor of a
 *                                         pipelining client), + 1-byte echo; prints as seq does
 *   bench-client hold N host port         opens N connections and keeps them all open, then one
 *                                         byte echo on each; prints "held N ok K open_s X" and
 *                                         waits for a line on stdin before closing them */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int dial(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)a, sizeof *a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int echo1(int fd, char c)
{
	char back;
	if (write(fd, &c, 1) != 1)
		return -1;
	return read(fd, &back, 1) == 1 && back == c ? 0 : -1;
}

static int read_all(int fd, unsigned char *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, p + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Greeting (no auth) and CONNECT to an IPv4 target in one write; then the method reply and the
 * connect reply (IPv4 bound address: danted's). */
static int dial_socks5(const struct sockaddr_in *proxy, const struct sockaddr_in *target)
{
	int fd = dial(proxy);
	if (fd < 0)
		return -1;
	unsigned char out[13] = { 5, 1, 0, 5, 1, 0, 1 }, in[12];
	memcpy(out + 7, &target->sin_addr, 4);
	memcpy(out + 11, &target->sin_port, 2);
	if (write(fd, out, sizeof out) != (ssize_t)sizeof out || read_all(fd, in, sizeof in) != 0 ||
	    in[0] != 5 || in[1] != 0 || in[2] != 5 || in[3] != 0 || in[5] != 1) {
		errno = ECONNREFUSED;
		close(fd);
		return -1;
	}
	return fd;
}

static int by_value(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void wait_line(void)
{
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		exit(3);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	int n = atoi(argv[2]);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[4])) };
	if (inet_pton(AF_INET, argv[3], &a.sin_addr) != 1)
		return 2;
	/* socks5: seq's loop, each connect's handshake made here (no wrapper) */
	struct sockaddr_in target = { .sin_family = AF_INET };
	int own_socks5 = strcmp(argv[1], "socks5") == 0;
	if (own_socks5) {
		if (argc != 7 || inet_pton(AF_INET, argv[5], &target.sin_addr) != 1)
			return 2;
		target.sin_port = htons(atoi(argv[6]));
	}
	if (strcmp(argv[1], "seq") == 0 || own_socks5) {
		int mark = argc > 5 && !own_socks5 ? atoi(argv[5]) : 0;
		int ports = argc > 6 && !own_socks5 ? atoi(argv[6]) : 1;
		int base = atoi(argv[4]);
		double *each = calloc((size_t)n, sizeof *each), *conn = calloc((size_t)n, sizeof *conn);
		if (!each || !conn || ports < 1)
			return 2;
		double t0 = now();
		for (int i = 1; i <= n; i++) {
			a.sin_port = htons((uint16_t)(base + (i - 1) % ports));
			double t = now();
			int fd = own_socks5 ? dial_socks5(&a, &target) : dial(&a);
			conn[i - 1] = now() - t;
			if (fd < 0 || echo1(fd, (char)('a' + i % 26)) != 0) {
				printf("error at %d: %s\n", i, strerror(errno));
				return 1;
			}
			each[i - 1] = now() - t;
			close(fd);
			if (mark && i % mark == 0) {
				printf("mark %d\n", i);
				wait_line();
			}
		}
		printf("conns_per_s %.1f\n", n / (now() - t0));
		printf("median_ms %.3f\n", 1000 * median(each, n));
		printf("median_connect_ms %.3f\n", 1000 * median(conn, n));
		return 0;
	}
	if (strcmp(argv[1], "hold") == 0) {
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		int *fds = calloc((size_t)n, sizeof *fds);
		double t0 = now();
		int opened = 0, ok = 0;
		for (int i = 0; i < n; i++) {
			fds[i] = dial(&a);
			opened += fds[i] >= 0;
		}
		for (int i = 0; i < n; i++)
			ok += fds[i] >= 0 && echo1(fds[i], 'h') == 0;
		printf("held %d ok %d open_s %.3f\n", opened, ok, now() - t0);
		wait_line();
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return 0;
	}
	return 2;
}
