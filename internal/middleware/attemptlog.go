package middleware

import (
	"sync"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// AttemptLog is a Kiota request option that Retry fills with the status of
// every response it discarded to retry (0 for a transport error), so the
// caller learns what happened before the response it got. Bulk uses it to
// know that a $batch was resent after a 503: the first copy may have been
// acted on. Safe for concurrent use.
type AttemptLog struct {
	mu       sync.Mutex
	statuses []int
}

var attemptLogKey = abs.RequestOptionKey{Key: "backuprestore.AttemptLog"}

// GetKey implements abs.RequestOption.
func (*AttemptLog) GetKey() abs.RequestOptionKey { return attemptLogKey }

// Retried returns the statuses of the discarded responses, oldest first.
func (l *AttemptLog) Retried() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.statuses...)
}

func (l *AttemptLog) add(status int) {
	l.mu.Lock()
	l.statuses = append(l.statuses, status)
	l.mu.Unlock()
}
