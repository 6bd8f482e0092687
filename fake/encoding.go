package fake

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// decodeRequestBody undoes a request body's Content-Encoding, on every
// route ($batch included), as Graph does for clients such as Kiota's
// compression handler that gzip their bodies. gzip (or x-gzip) and identity
// are understood, in any combination, undone last-applied first; any other
// coding is a 415, which makes Kiota's handler resend uncompressed. A body
// that is not valid gzip is a 400, one that inflates beyond the 4 MB
// request limit a 413.
func decodeRequestBody(h http.Header, body []byte) ([]byte, *graphError) {
	vals := h.Values("Content-Encoding")
	if len(vals) == 0 {
		return body, nil
	}
	var codings []string
	for _, v := range vals {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	for i := len(codings) - 1; i >= 0; i-- {
		switch codings[i] {
		case "gzip", "x-gzip":
		default:
			return nil, &graphError{status: http.StatusUnsupportedMediaType, code: "UnsupportedMediaType",
				message: "The Content-Encoding '" + codings[i] + "' is not supported; send the body uncompressed or gzip-compressed."}
		}
		if len(body) == 0 {
			return body, nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, badRequest("The request body is not valid gzip data: " + err.Error() + ".")
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxRequestBody+1))
		if err != nil {
			return nil, badRequest("The request body is not valid gzip data: " + err.Error() + ".")
		}
		if len(out) > maxRequestBody {
			return nil, &graphError{status: http.StatusRequestEntityTooLarge, code: "RequestEntityTooLarge",
				message: "The decompressed request body exceeds the limit of 4 MB."}
		}
		body = out
	}
	return body, nil
}
