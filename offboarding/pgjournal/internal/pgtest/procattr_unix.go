//go:build unix && !linux

package pgtest

import "syscall"

// procAttr runs a process as cred (when set); the server gets its own
// process group (no Pdeathsig outside Linux: Close stops it).
func procAttr(cred *runAs, server bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: server}
	if cred != nil {
		a.Credential = &syscall.Credential{Uid: cred.uid, Gid: cred.gid}
	}
	return a
}
