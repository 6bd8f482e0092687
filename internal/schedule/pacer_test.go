package schedule

import (
	"context"
	"testing"
)

func TestFixedAndForClient(t *testing.T) {
	f := Fixed{InFlight: 4}
	if err := f.Wait(t.Context(), 20); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := f.Wait(ctx, 20); err == nil {
		t.Fatal("Wait on a cancelled context returned nil")
	}
	if got := f.Concurrency(20, 2); got != 2 {
		t.Fatalf("Concurrency capped: got %d", got)
	}
	if got := (Fixed{}).Concurrency(20, 0); got != 1 {
		t.Fatalf("Concurrency of a zero Fixed: got %d", got)
	}
	if _, ok := ForClient().(*Limiter); !ok {
		t.Fatal("ForClient without a hook is not a Limiter")
	}
	NewPacer = func() Pacer { return f }
	defer func() { NewPacer = nil }()
	if got := ForClient(); got != Pacer(f) {
		t.Fatalf("ForClient with the hook: %v", got)
	}
}
