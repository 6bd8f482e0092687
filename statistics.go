package backuprestore

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// PolicyStatistics counts a policy's units by status.
type PolicyStatistics struct {
	// PolicyID is the policy counted.
	PolicyID string
	// Kind is the policy's workload.
	Kind models.PolicyKind
	// Total is the number of units in the policy's view.
	Total int64
	// ByStatus counts the units of each documented status (every member of
	// models.KnownStatuses, zero included).
	ByStatus map[models.ProtectionUnitStatus]int64
	// Other is Total less the sum of ByStatus: units in a status this
	// package does not know. It is never negative: counts taken a moment
	// apart can disagree, and Other is then 0.
	Other int64
}

// Statistics counts the policy's units per status. v1.0 has no statistics
// endpoint, so it asks the policy's unit view for its $count, once in all
// and once per documented status ($filter=status eq '…'), all in ONE
// $batch (at most 20 requests; there are 10). On the collection of every
// kind the policy is read first to learn its workload.
//
// It fails with ErrInvalidPolicyID before sending anything; with the
// service's *Error when the $batch or any count in it fails (the first
// such item's answer: ErrNotFound for an unknown policy); with
// ErrUnexpectedResponse when a count is not a number; otherwise with the
// transport's error (ErrNotSent when nothing reached the wire).
func (b *ProtectionPolicyItemRequestBuilder) Statistics(ctx context.Context) (*PolicyStatistics, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	kind, err := b.resolveKind(ctx)
	if err != nil {
		return nil, err
	}
	view := b.itemPath(kind) + "/" + kind.UnitsSegment() + "/$count"
	statuses := models.KnownStatuses()
	reqs := make([]batchRequest, 0, len(statuses)+1)
	reqs = append(reqs, batchRequest{method: "GET", url: view})
	for _, s := range statuses {
		q := url.Values{"$filter": {"status eq '" + string(s) + "'"}}
		reqs = append(reqs, batchRequest{method: "GET", url: view + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")})
	}
	res, _, err := b.c.sendBatch(ctx, reqs, "", nil)
	if err != nil {
		return nil, wrapTransportError(ctx, "statistics of protection policy "+b.id, err)
	}
	counts := make([]int64, len(reqs))
	for i, r := range reqs {
		item, ok := res[i]
		if !ok {
			return nil, &Error{StatusCode: 200, unexpected: true, Message: "the $batch response has no answer for " + r.url, Method: "GET", URL: r.url}
		}
		if item.status < 200 || item.status > 299 {
			return nil, newErrorFromParts(item.status, item.header, item.body, nil, "GET", r.url)
		}
		n, ok := parseCount(item.body)
		if !ok {
			return nil, &Error{StatusCode: item.status, unexpected: true, Message: fmt.Sprintf("the $count answer %q is not a number", item.body), Method: "GET", URL: r.url, RawBody: rawPrefix(item.body)}
		}
		counts[i] = n
	}
	st := &PolicyStatistics{PolicyID: b.id, Kind: kind, Total: counts[0], ByStatus: make(map[models.ProtectionUnitStatus]int64, len(statuses))}
	sum := int64(0)
	for i, s := range statuses {
		st.ByStatus[s] = counts[i+1]
		sum += counts[i+1]
	}
	st.Other = max(st.Total-sum, 0)
	return st, nil
}

// parseCount reads a $count body: a JSON number, or a JSON string holding
// one (a text/plain body inside a $batch), surrounding white space allowed.
func parseCount(body []byte) (int64, bool) {
	s := strings.TrimSpace(string(body))
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(uq)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}
