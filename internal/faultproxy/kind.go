package faultproxy

import "strconv"

// Kind is what the proxy does to one request. The zero value, None, is
// plain forwarding.
type Kind int

// The kinds of fault. "Reset" is a TCP RST to the client (SO_LINGER 0 and
// close): the client's read or write fails with syscall.ECONNRESET.
const (
	// None forwards the request and streams the response back unchanged. In
	// a Rule it lets the matching requests through and stops the rules
	// after it from being considered.
	None Kind = iota
	// ResetBeforeForward reads the whole request from the client, then
	// resets the client connection without forwarding it: the client wrote
	// every byte, the service never saw any.
	ResetBeforeForward
	// ResetAfterResponse forwards the request, reads the complete upstream
	// response (the service acted and answered), then resets the client
	// connection without sending it a byte of that response.
	ResetAfterResponse
	// TruncateBody forwards the request, reads the complete upstream
	// response, sends the status line, the headers (with the exact
	// Content-Length) and the first half of the body (at least one byte
	// short), then closes the connection cleanly, so the partial bytes are
	// sure to arrive (an RST could discard them in the kernel): the client's
	// body read fails with io.ErrUnexpectedEOF. An empty body is cut in the
	// middle of the header instead.
	TruncateBody
	// Stall forwards the request, reads the complete upstream response and
	// holds it for the rule's Stall duration (Options.Stall when that is
	// zero) before sending it; with no duration it holds it until the
	// client closes the connection (its context or timeout ends) or the
	// proxy goes down.
	Stall
	// StallBeforeForward reads the whole request and never forwards it: the
	// connection stays open, silent, until the client closes it, the proxy
	// goes down or the stall duration (as for Stall) runs out, after which
	// the proxy closes the connection cleanly (the client sees EOF).
	StallBeforeForward
	// CloseBeforeResponse forwards the request, reads the complete upstream
	// response, then closes the client connection cleanly (FIN) without
	// sending any of it: the client sees io.EOF before a response.
	CloseBeforeResponse

	numKinds // not a kind: the number of kinds
)

// String returns the kind's Go name, or "Kind(n)" for a value that is not
// one of the constants.
func (k Kind) String() string {
	switch k {
	case None:
		return "None"
	case ResetBeforeForward:
		return "ResetBeforeForward"
	case ResetAfterResponse:
		return "ResetAfterResponse"
	case TruncateBody:
		return "TruncateBody"
	case Stall:
		return "Stall"
	case StallBeforeForward:
		return "StallBeforeForward"
	case CloseBeforeResponse:
		return "CloseBeforeResponse"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// valid reports whether k is one of the constants.
func (k Kind) valid() bool { return k >= None && k < numKinds }

// forwards reports whether a request given this kind is sent upstream.
func (k Kind) forwards() bool { return k != ResetBeforeForward && k != StallBeforeForward }
