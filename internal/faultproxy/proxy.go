package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Options configures a Proxy. The zero value (or a nil *Options) gives the
// documented defaults.
type Options struct {
	// Seed seeds the source of the rules' probability draws; zero is a
	// valid seed.
	Seed uint64
	// MaxEvents bounds the event log (default DefaultMaxEvents); the oldest
	// events are dropped first. A negative value keeps no events (Stats
	// still counts).
	MaxEvents int
	// Stall is the hold of Stall and StallBeforeForward rules whose own
	// Stall is zero; zero means until the client gives up.
	Stall time.Duration
	// DialTimeout bounds each dial of the upstream (default 10s).
	DialTimeout time.Duration
	// RecordBodies keeps each request's body in its Event (see
	// Event.Body), so a test can tell which items a $batch carried.
	RecordBodies bool
}

// maxRecordedBody is how much of a request body an Event keeps.
const maxRecordedBody = 1 << 20

// ErrClosed is returned by Up and Down after Close.
var ErrClosed = errors.New("faultproxy: proxy closed")

// Proxy is a running fault-injection proxy from a local port to one
// upstream. Create it with Start; its methods are safe for concurrent use.
type Proxy struct {
	upstream string
	opts     Options
	addr     string // 127.0.0.1:port, fixed at Start
	wg       sync.WaitGroup

	// life serialises Up, Down and Close.
	life sync.Mutex

	// mu guards everything below it.
	mu       sync.Mutex
	ln       net.Listener // nil while down
	cancel   context.CancelFunc
	closed   bool
	conns    map[net.Conn]struct{} // open client and upstream connections
	nextConn uint64
	rules    []*ruleState
	nextRule RuleID
	rng      *rand.Rand
	events   eventLog
	stats    Stats
}

// Start listens on 127.0.0.1 on a free port and forwards what it accepts to
// upstream ("host:port"). It fails when upstream is not a host:port pair
// or when no port can be bound; it does not dial upstream (an unreachable
// upstream shows as resets and Event.Err, per request). Close the proxy
// when done.
func Start(upstream string, opts *Options) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(upstream); err != nil {
		return nil, fmt.Errorf("faultproxy: upstream %q is not host:port: %w", upstream, err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxEvents == 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.Stall < 0 {
		return nil, fmt.Errorf("faultproxy: negative Options.Stall %v", o.Stall)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{
		upstream: upstream,
		opts:     o,
		addr:     ln.Addr().String(),
		conns:    make(map[net.Conn]struct{}),
		rng:      rand.New(rand.NewPCG(o.Seed, 0xfa017)),
		events:   eventLog{max: o.MaxEvents},
		stats:    Stats{Faults: make(map[Kind]int)},
	}
	p.serve(ln)
	return p, nil
}

// Addr returns the proxy's listening address, "127.0.0.1:port"; it stays
// the same across Down and Up.
func (p *Proxy) Addr() string { return p.addr }

// URL returns "http://" + Addr(), the base URL to give the client.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Upstream returns the address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// serve starts accepting on ln; p.life is held or p is not shared yet.
func (p *Proxy) serve(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.ln, p.cancel = ln, cancel
	p.mu.Unlock()
	p.wg.Go(func() { p.acceptLoop(ctx, ln) })
}

// acceptLoop accepts client connections on ln until it is closed.
func (p *Proxy) acceptLoop(ctx context.Context, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return // Down or Close
			}
			time.Sleep(5 * time.Millisecond) // EMFILE and the like: try again
			continue
		}
		p.mu.Lock()
		if ctx.Err() != nil { // Down raced with Accept
			p.mu.Unlock()
			c.Close()
			return
		}
		p.nextConn++
		id := p.nextConn
		p.stats.Connections++
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Go(func() { p.serveConn(ctx, c, id) })
	}
}

// track registers an upstream connection so Down closes it; it reports
// false (and closes c) when the proxy went down meanwhile.
func (p *Proxy) track(ctx context.Context, c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ctx.Err() != nil {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// untrack forgets c (closed by its owner).
func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// IsDown reports whether the proxy is refusing connections (after Down,
// before Up, or after Close).
func (p *Proxy) IsDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ln == nil
}

// Down simulates an outage: it closes the listener, so new dials fail with
// ECONNREFUSED, and closes (FIN) every open client and upstream connection,
// so in-flight requests fail and idle pooled connections are dead (a
// client reusing one before noticing sees EOF instead of ECONNREFUSED). It
// returns once every connection's goroutine has finished. Down on a proxy
// already down does nothing; after Close it returns ErrClosed.
func (p *Proxy) Down() error {
	p.life.Lock()
	defer p.life.Unlock()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return ErrClosed
	}
	p.down()
	return nil
}

// down closes the listener and every connection and waits for the
// goroutines; p.life is held.
func (p *Proxy) down() {
	p.mu.Lock()
	ln, cancel := p.ln, p.cancel
	p.ln, p.cancel = nil, nil
	if cancel != nil {
		cancel()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
}

// Up ends an outage: it listens again on the same address. It fails when
// the port was taken meanwhile (by another process) or after Close
// (ErrClosed); Up on a proxy that is up does nothing.
func (p *Proxy) Up() error {
	p.life.Lock()
	defer p.life.Unlock()
	p.mu.Lock()
	closed, up := p.closed, p.ln != nil
	p.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case up:
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
	}
	p.serve(ln)
	return nil
}

// Close shuts the proxy down for good: the listener and every connection
// are closed and every goroutine of the proxy has returned when it
// returns. It is idempotent and always returns nil; Events, Stats and the
// rule methods keep working afterwards.
func (p *Proxy) Close() error {
	p.life.Lock()
	defer p.life.Unlock()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.down()
	return nil
}
