package main

import "syscall"

// extLoadAttr has the kernel kill the extload process when the benchmark
// dies, even by SIGKILL, rather than leave it stopped for ever.
func extLoadAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
