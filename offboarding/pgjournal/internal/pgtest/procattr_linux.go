package pgtest

import "syscall"

// procAttr runs a process as cred (when set); the server also dies with
// the test process (Pdeathsig) and gets its own process group.
func procAttr(cred *runAs, server bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if cred != nil {
		a.Credential = &syscall.Credential{Uid: cred.uid, Gid: cred.gid}
	}
	if server {
		a.Pdeathsig, a.Setpgid = syscall.SIGQUIT, true
	}
	return a
}
