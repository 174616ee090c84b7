// Package listeners watches the accept queues of the host's listening TCP
// sockets, in every network namespace it can see.
//
// A full accept queue is the drop operators meet most, and the one
// skb:kfree_skb never sees: tcp_conn_request() counts ListenOverflows and
// ListenDrops, adds to the listener's own drop counter (sk_drops) and lets
// its caller free the SYN with consume_skb(). sock_diag reports that counter
// as SK_MEMINFO_DROPS, with the queue's length and limit, per namespace.
//
// A Scanner finds the namespaces and reads each one's listeners and netstat
// counters; Growth turns successive scans into the growth of each window.
package listeners
