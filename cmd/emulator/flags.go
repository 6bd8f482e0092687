package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/control"
)

// limitFlag is a flag.Value setting a throttling limit written
// RATE[/BURST] (fake.ParseThrottleLimit).
type limitFlag struct{ l *fake.ThrottleLimit }

// String implements flag.Value.
func (f limitFlag) String() string {
	if f.l == nil || f.l.IsZero() {
		return ""
	}
	return f.l.String()
}

// Set implements flag.Value; it fails with fake.ParseThrottleLimit's error.
func (f limitFlag) Set(s string) error {
	l, err := fake.ParseThrottleLimit(s)
	if err != nil {
		return err
	}
	*f.l = l
	return nil
}

// parseOrigins reads -cors-origins: "*" (any origin: nil), "" (none: an
// empty list) or comma-separated origins, each scheme://host[:port] as a
// browser writes it in the Origin header. It fails on anything else.
func parseOrigins(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return nil, nil
	}
	out := []string{}
	for o := range strings.SplitSeq(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			return nil, nil
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("-cors-origins: %q is not an origin (want scheme://host[:port], e.g. http://localhost:3000)", o)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// usage prints the help: what the command does, its flags and the control
// API (from control.Endpoints, the table GET /_emulator/ serves).
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: emulator [flags]

Serves the in-memory Microsoft Graph Backup Storage protection-unit emulator
(package github.com/m365kit/backuprestore/fake) over HTTP. The first line of
output is the base URL to give a client (http://127.0.0.1:8080/v1.0).

Flags:
`)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Control API (no token needed; GET /_emulator/ lists it as JSON):
`)
	for _, ep := range control.Endpoints() {
		fmt.Fprintf(w, "  %-6s %-23s %s\n", ep.Method, ep.Path, ep.Description)
		if ep.Query != "" {
			fmt.Fprintf(w, "  %-6s %-23s   query: %s\n", "", "", ep.Query)
		}
		if ep.Body != "" {
			fmt.Fprintf(w, "  %-6s %-23s   body: %s\n", "", "", ep.Body)
		}
	}
	identityUsage(w)
	fmt.Fprint(w, `
Example: throttle to 5 requests a second (bursts of 10), then read what it did:
  curl -X POST 'http://127.0.0.1:8080/_emulator/throttle?appTenant=5/10'
  curl http://127.0.0.1:8080/_emulator/throttle
`)
}
