// Package bpf holds the eBPF probe and the Go bindings bpf2go generates for
// it. The generated files are committed: building the Go code needs no clang.
package bpf

// Both byte orders: bpf2go constrains each output to the GOARCHes of its
// order, so with only bpfel the types the probe uses did not exist on
// big-endian ones, and nothing built there. (The big-endian object is
// built, not tested: no big-endian machine is in reach.)
//go:generate go tool bpf2go -cc clang-19 -cflags "-O2 -g -Wall -Werror" -target bpfel,bpfeb -type drop_key -type drop_value -type drop_event -type global_stat -type stat Tcpdrop tcpdrop.c

// The token bucket's arithmetic, run in the kernel by bucket_test.go.
//go:generate go tool bpf2go -cc clang-19 -cflags "-O2 -g -Wall -Werror" -target bpfel,bpfeb -output-suffix _test Bucket bucket_test.c
