//go:build !linux

package main

import "syscall"

// extLoadAttr: no parent-death signal outside Linux; stop kills the process.
func extLoadAttr() *syscall.SysProcAttr { return nil }
