package faultproxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
)

// upstream is a session's connection to the upstream.
type upstream struct {
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	// ready receives the result of a Peek for the next byte from the
	// upstream, started by watch: nil when bytes arrived, the read error
	// when the connection failed. Between watch and that receive only the
	// watching goroutine reads br.
	ready chan error
}

// watch starts waiting, in a goroutine, for the next byte the upstream
// sends; call it when no response is being read.
func (u *upstream) watch(p *Proxy) {
	ch := make(chan error, 1)
	u.ready = ch
	p.wg.Go(func() {
		_, err := u.br.Peek(1)
		ch <- err
	})
}

// idle reports whether the connection is still usable for a new request:
// the upstream has neither closed it nor sent anything unasked.
func (u *upstream) idle() bool {
	select {
	case <-u.ready:
		return false
	default:
		return true
	}
}

// readResponse reads the response header to req; informational (1xx)
// responses other than 101 are skipped.
func (u *upstream) readResponse(req *http.Request) (*http.Response, error) {
	if err := <-u.ready; err != nil {
		return nil, err
	}
	for {
		resp, err := http.ReadResponse(u.br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
}

// upstream returns the session's upstream connection, dialing one when
// there is none or the idle one was closed by the upstream.
func (s *session) upstream() (*upstream, error) {
	if s.up != nil && !s.up.idle() {
		s.dropUpstream()
	}
	if s.up != nil {
		return s.up, nil
	}
	d := net.Dialer{Timeout: s.p.opts.DialTimeout}
	c, err := d.DialContext(s.ctx, "tcp", s.p.upstream)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: dialing the upstream %s: %w", s.p.upstream, err)
	}
	if !s.p.track(s.ctx, c) {
		return nil, fmt.Errorf("faultproxy: dialing the upstream %s: %w", s.p.upstream, net.ErrClosed)
	}
	s.up = &upstream{conn: c, br: bufio.NewReader(c), bw: bufio.NewWriter(c)}
	s.up.watch(s.p)
	return s.up, nil
}

// dropUpstream closes the session's upstream connection, if any; its
// watching goroutine ends with the close.
func (s *session) dropUpstream() {
	if s.up == nil {
		return
	}
	s.up.conn.Close()
	s.p.untrack(s.up.conn)
	s.up = nil
}
