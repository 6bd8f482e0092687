package backuprestore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/m365kit/backuprestore"
)

// throttleOnce answers 429 with Retry-After: 0.01 once, then the unit.
type throttleOnce struct{ calls int }

func (t *throttleOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	t.calls++
	h := http.Header{"Content-Type": {"application/json"}}
	status, body := http.StatusOK, `{"id":"u1","status":"cancelOffboardRequested"}`
	if t.calls == 1 {
		status, body = http.StatusTooManyRequests, `{"error":{"code":"TooManyRequests"}}`
		h.Set("Retry-After", "0.01")
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}, nil
}

// Spans flow through OpenTelemetry: Kiota's adapter starts them from the
// global tracer provider, and when tracing is on the client's retry
// middleware opens a "backuprestore.http <method>" span holding one
// "backuprestore.attempt" event per HTTP attempt. Here an in-memory
// exporter collects them.
func Example_openTelemetry() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(prev)

	c, err := backuprestore.NewClient(staticToken("opaque-token"), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: &throttleOnce{}},
	})
	if err != nil {
		panic(err)
	}
	unit, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	_ = tp.ForceFlush(context.Background())

	fmt.Println("unit:", unit.ID, unit.Status)
	for _, s := range exporter.GetSpans() {
		if strings.HasPrefix(s.Name, "Send - ") {
			fmt.Println("span:", s.Name)
		}
		for _, e := range s.Events {
			if e.Name == "backuprestore.attempt" {
				for _, a := range e.Attributes {
					if a.Key == "http.response.status_code" {
						fmt.Println("  attempt event, status", a.Value.AsInt64())
					}
				}
			}
		}
	}
	// Output:
	// unit: u1 cancelOffboardRequested
	//   attempt event, status 429
	//   attempt event, status 200
	// span: Send - {+baseurl}/solutions/backupRestore/protectionUnits/{protectionUnitBase-id}/cancelOffboard
}
