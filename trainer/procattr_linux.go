package trainer

import (
	"os/exec"
	"syscall"
)

// procAttr puts the training program in its own process group (so a cancel
// reaches its children) and kills it if the worker dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, sig)
	}
}
