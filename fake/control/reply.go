package control

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// contentTypeJSON is the Content-Type of the control API's JSON answers,
// the one the emulator's API answers carry.
const contentTypeJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// reply is an answer before it is written.
type reply struct {
	status int
	header http.Header
	body   []byte
	// code and message make an error reply: the body is the Graph error
	// envelope, written with the request's ids and the emulator's clock.
	code, message string
}

// jsonReply answers status with a JSON body.
func jsonReply(status int, body []byte) *reply { return &reply{status: status, body: body} }

// okJSON answers 200 with v encoded as JSON.
func okJSON(v any) *reply {
	b, err := json.Marshal(v)
	if err != nil { // the control API's own types always encode
		return fail(http.StatusInternalServerError, "encoding the answer: "+err.Error())
	}
	return jsonReply(http.StatusOK, b)
}

// noContent answers 204.
func noContent() *reply { return &reply{status: http.StatusNoContent} }

// fail is an error answer with code BadRequest, whatever the status (as
// the control API has always answered).
func fail(status int, msg string) *reply {
	return &reply{status: status, code: "BadRequest", message: msg}
}

// methodNotAllowed is the 405 for a known path with another method.
func methodNotAllowed(method string, allow []string) *reply {
	a := strings.Join(allow, ", ")
	h := http.Header{}
	h.Set("Allow", a)
	return &reply{status: http.StatusMethodNotAllowed, header: h, code: "UnknownError",
		message: "The HTTP method '" + method + "' is not allowed for the requested resource. Allowed: " + a + "."}
}

// ids are the correlation ids of one answer.
type ids struct {
	request string // request-id: generated
	client  string // client-request-id: echoed, or generated
}

// newIDs returns ids for a request carrying these headers.
func newIDs(h http.Header) ids {
	id := newGUID()
	c := h.Get("client-request-id")
	if c == "" {
		c = id
	}
	return ids{request: id, client: c}
}

// newGUID returns a random version-4 GUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// errorBody renders Graph's error envelope.
func (h *Handler) errorBody(rep *reply, id ids) []byte {
	type inner struct {
		Date            string `json:"date"`
		RequestID       string `json:"request-id"`
		ClientRequestID string `json:"client-request-id"`
	}
	type graphError struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError inner  `json:"innerError"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Error graphError `json:"error"`
	}{graphError{Code: rep.code, Message: rep.message, InnerError: inner{
		Date: h.srv.Now().UTC().Format("2006-01-02T15:04:05"), RequestID: id.request, ClientRequestID: id.client}}})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// write sends rep with the headers every answer carries.
func (h *Handler) write(w http.ResponseWriter, rep *reply, id ids) {
	body := rep.body
	if rep.code != "" {
		body = h.errorBody(rep, id)
	}
	hd := w.Header()
	for k, v := range rep.header {
		hd[k] = v
	}
	hd.Set("request-id", id.request)
	hd.Set("client-request-id", id.client)
	hd.Set("OData-Version", "4.0")
	if len(body) > 0 && hd.Get("Content-Type") == "" {
		hd.Set("Content-Type", contentTypeJSON)
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// decodeBody undoes a body's Content-Encoding as the emulator's API does:
// gzip (or x-gzip) and identity, in any combination; another coding is a
// 415, a body that is not gzip a 400, one that inflates beyond 4 MB a 413.
func decodeBody(h http.Header, body []byte) ([]byte, *reply) {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	for i := len(codings) - 1; i >= 0; i-- {
		if codings[i] != "gzip" && codings[i] != "x-gzip" {
			return nil, &reply{status: http.StatusUnsupportedMediaType, code: "UnsupportedMediaType",
				message: "The Content-Encoding '" + codings[i] + "' is not supported; send the body uncompressed or gzip-compressed."}
		}
		if len(body) == 0 {
			return body, nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fail(http.StatusBadRequest, "The request body is not valid gzip data: "+err.Error()+".")
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxRequestBody+1))
		if err != nil {
			return nil, fail(http.StatusBadRequest, "The request body is not valid gzip data: "+err.Error()+".")
		}
		if len(out) > maxRequestBody {
			return nil, &reply{status: http.StatusRequestEntityTooLarge, code: "RequestEntityTooLarge",
				message: "The decompressed request body exceeds the limit of 4 MB."}
		}
		body = out
	}
	return body, nil
}
