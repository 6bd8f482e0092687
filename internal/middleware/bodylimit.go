package middleware

import (
	"fmt"
	"io"
	"net/http"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/m365kit/backuprestore/internal/errs"
)

// BodyLimit caps every response body at Max bytes. A response whose
// Content-Length already exceeds Max has its body closed unread and replaced
// by one that fails; otherwise reads past Max fail. Either way the failure
// wraps errs.ResponseTooLarge and the excess is never buffered. Status and
// headers are left intact so the caller can still report them.
type BodyLimit struct {
	Max int64
}

// Intercept implements khttp.Middleware.
func (m *BodyLimit) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, i)
	if err != nil || resp == nil || resp.Body == nil || m.Max <= 0 {
		return resp, err
	}
	if resp.ContentLength > m.Max {
		_ = resp.Body.Close()
		resp.Body = failingBody{err: TooLarge(m.Max)}
		return resp, nil
	}
	resp.Body = &limitedBody{rc: resp.Body, remaining: m.Max, max: m.Max}
	return resp, nil
}

// TooLarge returns the error for a body over limit bytes.
func TooLarge(limit int64) error {
	return fmt.Errorf("%w (limit %d bytes)", errs.ResponseTooLarge, limit)
}

type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }
func (failingBody) Close() error               { return nil }

type limitedBody struct {
	rc        io.ReadCloser
	remaining int64
	max       int64
	err       error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read one byte more than allowed to tell "exactly Max" from "more".
	if int64(len(p)) > b.remaining+1 {
		p = p[:b.remaining+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.remaining {
		b.remaining -= int64(n)
		return n, err
	}
	n = int(b.remaining)
	b.remaining = 0
	b.err = TooLarge(b.max)
	return n, b.err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
