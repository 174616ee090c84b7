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
//   - NftDrop: its rule drops a segment at the input hook, before TCP
//     counts it (no InSegs, no RST), with reason NETFILTER_DROP. The
//     netfilter scenario sends raw SYNs rather than connects: a connect's
//     SYN is retransmitted after the 1 s initial RTO, and a test thread
//     stalled that long on a loaded guest would add one.
//   - SendRaw of a good SYN to a closed port causes two NO_SOCKET drops: the
//     SYN, and the kernel's RST, which goes back to the raw sender's source
//     port where no socket exists either (InSegs grows by 2, OutRsts by 1).
//   - SendRaw with BadChecksum: InSegs, InErrs and InCsumErrors each grow by
//     one per segment and no RST is sent.
//   - Segments sent with SendRaw have no TCP options, although loopback
//     connections negotiate timestamps: 6.18 takes them all the same (PAWS
//     only checks segments that carry a timestamp).
//   - Conn.ServerSeq reads rcv_nxt and write_seq through TCP_REPAIR; the
//     connection keeps working afterwards (TestScenarioCounters checks the
//     numbers did not move and the segments after them are exact).
//   - Established, data beyond the window (OutOfWindowData): dropped with
//     TCP_INVALID_SEQUENCE in tcp_validate_incoming, each answered by one
//     duplicate ACK (data segments are never rate limited): InSegs 2N,
//     OutSegs N, and on 6.18 TcpExt BeyondWindow N. A RST beyond the window
//     is dropped the same way, unanswered.
//   - Established, old data (OldData, ending at rcv_nxt): dropped with
//     TCP_OLD_DATA in tcp_data_queue, each answered by a duplicate ACK with
//     a D-SACK: DelayedACKLost and TCPDSACKOldSent grow by N. tcp_data_queue
//     drops the packet's route first, so a probe without the socket finds
//     no namespace in the packet: tp_btf on 6.18 counts these in netns 0.
//   - Established, ACK of unsent data (UnsentAck): dropped with
//     TCP_ACK_UNSENT_DATA, reported at tcp_v4_do_rcv on 6.18. The answer
//     is a rate-limited challenge ACK: of 10 in a row, TCPChallengeACK
//     counted 1 and TCPACKSkippedChallenge 9.
//   - TIME_WAIT (TimeWait): a RST beyond the window is dropped with
//     NOT_SPECIFIED in tcp_v4_rcv, unanswered, with state TIME_WAIT from
//     rx_sk. An in-window bare ACK is dropped the same way. An out-of-window
//     ACK or data would not do: the TIME_WAIT socket answers with an ACK,
//     the closed peer's port resets it with the TIME_WAIT socket's rcv_nxt,
//     and that RST kills the TIME_WAIT socket (tcp_rfc1337 = 0).
//   - The IPv6 TIME_WAIT and out-of-window data scenarios behave the same,
//     the former reported at tcp_v6_rcv.
//   - Listener: an ACK is dropped with TCP_FLAGS (NOT_SPECIFIED on 6.1) in
//     tcp_v4_do_rcv and reset; the RST goes to the sender's port and is dropped (NO_SOCKET):
//     InSegs 2N, OutRsts N. SYN|FIN is dropped with TCP_FLAGS in
//     tcp_rcv_state_process, unanswered, and moves no counter but InSegs;
//     so are FIN alone and no flags at all, and RST with TCP_RESET.
//
// Debian 12's 6.1 (under QEMU TCG) reports every scenario with the same
// reason, state (given the socket: rx_sk or receive hooks), flags and frame
// as 6.18, but for the listener's ACK. Its softirqs can lag the sender by
// over a hundred segments: read counters until they settle.
//
// Debian 11's 5.10 (QEMU TCG, raw_tp with receive hooks) has no reasons,
// and tcp_drop() frees out of sight of skb:kfree_skb: the established and
// SYN|FIN-to-listener drops come from sk_drops (frame tcp_drop). It also
// drops, through tcp_drop(), two packets newer kernels consume: the RST
// that refuses a connect (state CLOSE, after tcp_reset) and the ACK that
// ends LAST_ACK (one per TimeWait). It frees netfilter drops in
// nf_hook_slow. Its challenge ACKs and SNMP counters match the
// scenarios' expectations as on 6.18.
//
// Counters must be read through /proc/thread-self/net/..., never
// /proc/self/net/..., because the latter shows the namespace of the main
// thread rather than the namespace thread (see Counters).
package netnstest
