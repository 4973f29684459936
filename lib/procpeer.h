/*
 * The remote address of the TCP connection a process holds, read from
 * /proc. practicerunner-authorized-keys runs as a child of sshd's
 * privileged monitor for one connection, and OpenSSH 9.2 passes an
 * AuthorizedKeysCommand no connection endpoint (%C is not among its
 * tokens), so the record of an offered key takes the client's address
 * from the socket its parent holds: the "socket:[INODE]" links of
 * /proc/PID/fd, then that inode's line in /proc/PID/net/tcp and tcp6
 * (the parent's own network namespace).
 *
 * Best effort and never a guess: no TCP socket, sockets connected to
 * different remote addresses, unreadable or unexpected /proc text all
 * give no address. Listening sockets are ignored. IPv4-mapped IPv6
 * addresses are shown in IPv4 form, as sshd shows them.
 */
#ifndef PR_PROCPEER_H
#define PR_PROCPEER_H

#include <stdbool.h>
#include <sys/types.h>

#define PR_PEER_ADDR_LEN 46           /* INET6_ADDRSTRLEN */

/*
 * The remote address of the connected TCP sockets process pid holds,
 * into out. PR_OK; PR_ERR_NOT_FOUND when there is none or they disagree;
 * PR_ERR_IO when /proc could not be read (no such process, no rights);
 * PR_ERR_INVALID_ARG for pid <= 0.
 */
int pr_proc_peer_addr(pid_t pid, char out[PR_PEER_ADDR_LEN]);

/* Exposed for tests. */

/* The inode of an fd link's text "socket:[INODE]": PR_OK or PR_ERR_NOT_FOUND. */
int pr_proc_socket_inode(const char *link, unsigned long *inode);

/*
 * One line of /proc/net/tcp (v6 false) or tcp6 (v6 true), newline
 * optional: PR_OK with the socket's inode and remote address for a
 * connected socket; PR_ERR_NOT_FOUND for the header, a listener or a
 * socket with no remote end; PR_ERR_CORRUPT for anything else.
 */
int pr_proc_tcp_line(const char *line, bool v6, unsigned long *inode,
    char out[PR_PEER_ADDR_LEN]);

#endif
