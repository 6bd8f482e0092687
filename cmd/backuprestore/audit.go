package main

import (
	"fmt"
	osuser "os/user"
	"strings"

	"github.com/m365kit/backuprestore/internal/token"
	"github.com/m365kit/backuprestore/offboarding"
)

// A run's journal keeps, for an auditor or a change ticket, who ran it and
// how: the signed-in operator (the token's upn; the local account for an
// emulator's opaque token), the machine (the SDK adds it), the command
// line, and where the targets came from. Each unit's result adds the
// request-id of its last write's answer (for Microsoft support), when that
// write was sent, and by whom (a resume by someone else says so).

// noteOperator records the user a token stands for as the operator.
func (a *app) noteOperator(tok string) {
	if c, ok := token.Parse(tok); ok {
		if u := c.User(); u != "" {
			a.operator = u
		}
	}
}

// operatorName is the run's operator: the signed-in user, else the local
// account ("local user NAME"), else "".
func (a *app) operatorName() string {
	if a.operator != "" {
		return a.operator
	}
	if u, err := osuser.Current(); err == nil && u.Username != "" {
		return "local user " + u.Username
	}
	return ""
}

// audit fills in the audit fields of a run's options.
func (a *app) audit(opts *offboarding.Options, args []string, tf targetFlags) {
	opts.Operator = a.operatorName()
	opts.CommandLine = shellJoin(append([]string{"backuprestore"}, a.args...))
	opts.Source = targetSource(args, tf)
}

// targetSource says where a run's targets came from: "2 arguments; --from
// departed.csv (column Mail); --user adele@contoso.com".
func targetSource(args []string, tf targetFlags) string {
	var parts []string
	n := 0
	for _, arg := range args {
		if arg == "-" {
			parts = append(parts, "stdin")
			continue
		}
		n++
	}
	if n > 0 {
		parts = append([]string{fmt.Sprintf("%d %s", n, plural(n, "argument"))}, parts...)
	}
	if tf.from != "" {
		s := "--from " + tf.from
		if tf.column != "" {
			s += " (column " + tf.column + ")"
		}
		parts = append(parts, s)
	}
	for _, u := range tf.users {
		parts = append(parts, "--user "+u)
	}
	return strings.Join(parts, "; ")
}
