// Package netnsscan finds the host's network namespaces through its proc
// file system and ip netns's directory: what the listener scan and the
// owner resolver both need, by inode.
package netnsscan
