package models

// PublicError is Graph's publicError: the error a unit carries when creating
// or enabling it failed, and the shape of the "error" member of Graph's error
// envelope.
type PublicError struct {
	Code       string
	Message    string
	Target     string
	Details    []PublicErrorDetail
	InnerError *PublicInnerError
	// AdditionalData holds every other property.
	AdditionalData map[string]any
}

// PublicErrorDetail is one entry of PublicError.Details.
type PublicErrorDetail struct {
	Code           string
	Message        string
	Target         string
	AdditionalData map[string]any
}

// PublicInnerError is the innerError of a PublicError (an open type). In
// Graph's error envelope it carries the request-id, client-request-id and
// date of the failed request; any other property (a nested innerError, for
// example) is kept in AdditionalData.
type PublicInnerError struct {
	Code            string
	Message         string
	Target          string
	Details         []PublicErrorDetail
	RequestID       string
	ClientRequestID string
	// Date is the raw "date" value, as the service wrote it.
	Date           string
	AdditionalData map[string]any
}
