package backuprestore

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzEscapeSegment: a valid ID is escaped to exactly one path segment that
// round-trips, through net/url, to the ID.
func FuzzEscapeSegment(f *testing.F) {
	for _, s := range []string{"89014d8c-71fe-4d00-a01a-31850bc5b32c", "a/b?c#d", "MjUyXzM=", "..a", "%2F", "é 中", "a;b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if validateID(id) != nil {
			return
		}
		seg := escapeSegment(id)
		if strings.ContainsAny(seg, "/?#") {
			t.Fatalf("escaped %q to %q: adds a path segment or ends the path", id, seg)
		}
		u, err := url.Parse("https://graph.microsoft.com/v1.0/solutions/backupRestore/protectionUnits/" + seg + "/cancelOffboard")
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		parts := strings.Split(u.EscapedPath(), "/")
		if len(parts) != 7 || parts[5] != seg {
			t.Fatalf("%q: path %q has %d segments", id, u.EscapedPath(), len(parts))
		}
		back, err := url.PathUnescape(parts[5])
		if err != nil || back != id {
			t.Fatalf("%q: round trip gave %q (%v)", id, back, err)
		}
	})
}

// FuzzDecodeBatch: any $batch body, never a panic; a decoded item has a
// position within Graph's limit and a real status.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"responses":[{"id":"0","status":200,"headers":{"Content-Type":"application/json"},"body":{"id":"x"}},{"id":"1","status":429,"headers":{"Retry-After":"2.128"},"body":{"error":{"code":"TooManyRequests"}}}]}`))
	f.Add([]byte(`{"responses":[]}`))
	f.Add([]byte(`{"responses":[{"id":"19","status":403,"body":null}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := decodeBatch(data)
		if err != nil {
			return
		}
		for pos, r := range res {
			if pos < 0 || pos >= maxBatchSize || r.status < 100 || r.status > 599 {
				t.Fatalf("bad item %d: %+v", pos, r)
			}
		}
	})
}

// FuzzErrorFromResponse: any status and body make an *Error whose Error()
// and sentinels never panic.
func FuzzErrorFromResponse(f *testing.F) {
	f.Add(403, []byte(`{"error":{"code":"OperationNotAllowed","message":"Offboarding cannot be cancelled as it is not in a valid state.","details":[]}}`), "2.128")
	f.Add(502, []byte(`<html>502 Bad Gateway</html>`), "")
	f.Add(429, []byte(`{"error":{"code":"TooManyRequests","innerError":{"request-id":"r"}}}`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(500, []byte(`{"error":`), "-1")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		h := http.Header{"Retry-After": {retryAfter}}
		e := newErrorFromParts(status, h, body, nil, http.MethodPost, "https://graph.microsoft.com/v1.0/x?$skiptoken=secret")
		_ = e.Error()
		if !strings.Contains(e.Error(), "?$skiptoken=secret") {
			t.Fatal("the URL's query is missing from the error")
		}
		for _, s := range []error{ErrOperationNotAllowed, ErrNotFound, ErrServer, ErrThrottled, ErrUnexpectedResponse} {
			_ = errors.Is(e, s)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
	})
}
