package backuprestore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/jsonlex"
	"github.com/m365kit/backuprestore/internal/middleware"
)

// maxBatchSize is Graph's limit of requests in one $batch.
const maxBatchSize = 20

// batchRequest is one request inside a $batch.
type batchRequest struct {
	method string
	// url is relative to the version root, e.g. "/solutions/…/x/offboard".
	url string
}

// batchResponse is one response inside a $batch.
type batchResponse struct {
	status int
	header http.Header
	body   []byte
}

// batchResult maps a request's position in the batch to its response.
type batchResult map[int]batchResponse

// sendBatch posts reqs (at most 20) as one JSON batch and returns the item
// responses by position. Request ids are the positions as decimal strings.
// delegatedOnly marks a batch of offboard/cancelOffboard actions, which the
// guard refuses to send with an app-only token. It fails like any call: a
// non-2xx $batch response is *Error; a failure without a response wraps its
// cause. attempts, when not nil, records every HTTP attempt of the $batch
// (the pipeline's resends included). The Response is the metadata of the
// $batch response.
func (c *Client) sendBatch(ctx context.Context, reqs []batchRequest, delegatedOnly string, attempts *middleware.AttemptLog) (batchResult, Response, error) {
	base, err := c.baseURL()
	if err != nil {
		return nil, Response{}, err
	}
	ri := newRequestInformation(abs.POST, "{+baseurl}/$batch", map[string]string{"baseurl": base.String()}, nil, nil)
	ri.SetStreamContentAndContentType(encodeBatch(reqs), "application/json")
	if delegatedOnly != "" {
		ri.AddRequestOptions([]abs.RequestOption{&middleware.DelegatedOnly{Operation: delegatedOnly, Permission: permissionReadWrite}})
	}

	u := *base
	u.Path = base.Path + "/$batch"
	u.RawPath = ""
	k := &call[batchResult]{
		c:            c,
		op:           "$batch",
		log:          attempts,
		redact:       true,
		decode:       decodeBatch,
		factory:      func(serialization.ParseNode) (serialization.Parsable, error) { return nil, nil },
		fromParsable: func(serialization.Parsable) (batchResult, bool) { return nil, false },
	}
	res, err := k.send(ctx, withURI(ri, &u))
	return res, k.meta, err
}

// encodeBatch writes {"requests":[…]} with each item's Accept and Prefer
// headers (batch items do not inherit the outer request's headers).
func encodeBatch(reqs []batchRequest) []byte {
	b := make([]byte, 0, 64+len(reqs)*160)
	b = append(b, `{"requests":[`...)
	for i, r := range reqs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `","method":`...)
		b = jsonlex.AppendString(b, r.method)
		b = append(b, `,"url":`...)
		b = jsonlex.AppendString(b, r.url)
		b = append(b, `,"headers":{"Accept":"application/json","Prefer":"`+preferUnknownEnumMembers+`"}}`...)
	}
	return append(b, "]}"...)
}

// decodeBatch reads {"responses":[…]}. Every response must carry an id
// that is one of the request positions and a status; bodies are kept raw
// (copied: the response buffer is reused).
func decodeBatch(body []byte) (batchResult, error) {
	var wire struct {
		Responses []struct {
			ID      string            `json:"id"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("decoding $batch response: %w", err)
	}
	if wire.Responses == nil {
		return nil, fmt.Errorf("decoding $batch response: no \"responses\" array")
	}
	out := make(batchResult, len(wire.Responses))
	for _, r := range wire.Responses {
		pos, err := strconv.Atoi(r.ID)
		if err != nil || pos < 0 || pos >= maxBatchSize || r.Status < 100 || r.Status > 599 {
			return nil, fmt.Errorf("decoding $batch response: item %q has status %d", r.ID, r.Status)
		}
		h := make(http.Header, len(r.Headers))
		for k, v := range r.Headers {
			h[textproto.CanonicalMIMEHeaderKey(k)] = []string{v}
		}
		var b []byte
		if len(r.Body) > 0 && string(r.Body) != "null" {
			b = r.Body
		}
		out[pos] = batchResponse{status: r.Status, header: h, body: b}
	}
	return out, nil
}
