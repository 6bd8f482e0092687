package cli

import (
	"errors"

	"github.com/m365kit/backuprestore"
)

// Explain describes a failed call truthfully: what kind of failure it is,
// then the error itself (which names the call, and for the service's
// answer its status, code, message and request-id). It tests in the order
// that settles it: an outcome in doubt first (its error may also wrap a
// later answer of the service), then a request that never reached the
// service, then the service's own answer; anything else is the error as
// it is.
func Explain(err error) string {
	var e *backuprestore.Error
	switch {
	case errors.Is(err, backuprestore.ErrOutcomeUnknown):
		return "outcome unknown (the request was sent, its answer was lost, and reading the unit back could not settle it: read the unit before acting on it again): " + err.Error()
	case errors.Is(err, backuprestore.ErrNotSent):
		return "not sent (nothing reached the service, so it did not act): " + err.Error()
	case errors.As(err, &e):
		return "the service answered: " + err.Error()
	}
	return err.Error()
}
