// Package netnstest gives privileged integration tests, and the drop-storm
// benchmark (bench/), a private network namespace in which they can cause
// exact, countable TCP drops.
//
// Every namespace is unnamed and owned by one locked OS thread: when the
// test's cleanup stops that thread, the namespace has no task left and the
// kernel destroys it, so nothing survives a failed or aborted test. Traffic
// only ever goes to 127.0.0.1 or ::1 inside that namespace.
//
// Exactness notes, measured on Linux 6.18 (see netnstest_test.go):
//
//   - ConnectClosed: each attempt sends one SYN that the kernel drops with
//     reason NO_SOCKET and answers with one RST; Tcp InSegs grows by 2,
//     OutRsts and AttemptFails by 1 per attempt.
//   - ConnectTimeout: the first SYN leaves at connect time; the first
//     retransmit follows about 1 s later (initial RTO, TCP_TIMEOUT_INIT).
//     Measured with nstat and the nft rule counter, retransmits of a dropped
//     SYN left at 1.02, 2.04, 3.06, 4.09, 5.11 and 7.13 s: with
//     net.ipv4.tcp_syn_linear_timeouts = 4 (the default) the backoff stays
//     at 1 s for a while before doubling. 5 attempts with a 900 ms timeout
//     sent exactly 5 SYNs (TcpOutSegs 5, TcpRetransSegs 0). Retransmits are
//     counted in RetransSegs, not OutSegs.
//   - SendRaw of a good SYN to a closed port causes two NO_SOCKET drops: the
//     SYN, and the kernel's RST, which goes back to the raw sender's source
//     port where no socket exists either (InSegs grows by 2, OutRsts by 1).
//   - SendRaw with BadChecksum: InSegs, InErrs and InCsumErrors each grow by
//     one per segment and no RST is sent.
//
// Counters must be read through /proc/thread-self/net/..., never
// /proc/self/net/..., because the latter shows the namespace of the main
// thread rather than the namespace thread (see Counters).
package netnstest
