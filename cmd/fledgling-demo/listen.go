package main

import "net"

// freeOr returns addr when it can be bound now, else a free loopback port.
func freeOr(addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "127.0.0.1:0"
	}
	ln.Close()
	return addr
}
