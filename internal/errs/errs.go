// Package errs holds the sentinel errors shared by the backuprestore root
// package and its internal middleware. The root package re-exports them, so
// errors.Is works on either name.
package errs

// Sentinel is an immutable sentinel error: its message cannot be changed and
// two sentinels are equal only if they are the same value.
type Sentinel struct{ msg string }

// New returns a new sentinel with the given message.
func New(msg string) *Sentinel { return &Sentinel{msg: msg} }

func (s *Sentinel) Error() string {
	if s == nil {
		return "<nil sentinel>"
	}
	return s.msg
}

// The sentinels raised inside the pipeline.
var (
	// DelegatedAuthRequired: an app-only token was about to be sent to an
	// operation that accepts only delegated tokens.
	DelegatedAuthRequired = New("backuprestore: delegated (user) authentication required")
	// ResponseTooLarge: a response body exceeded Options.MaxResponseBytes.
	ResponseTooLarge = New("backuprestore: response body too large")
	// ForeignHost: a request was about to go to a host other than BaseURL's.
	ForeignHost = New("backuprestore: refusing to send a request outside the configured base URL")
	// NoToken: the credential attached no bearer token to a request.
	NoToken = New("backuprestore: no bearer token was attached to the request")
)
