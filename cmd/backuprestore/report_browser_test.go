//go:build unix

package main

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/cdp"
)

// The HTML report opened in a headless Chromium: the summary shows the
// run's figures, and a screenshot of the page shows the summary's bar with
// one segment per outcome, in the outcome's colour, as wide as its share
// of the units (4 of 7 done: 457 of 800 pixels, …).
func TestReportScreenshot(t *testing.T) {
	chromium := cdp.FindChromium()
	if chromium == "" {
		t.Skip("SKIPPED: NO CHROMIUM FOUND (install the Debian package chromium, or set " + cdp.EnvChromium +
			"); the HTML report was NOT checked in a real browser")
	}
	c := &cli{}
	counts := reportRun(t, c)
	path := filepath.Join(t.TempDir(), "run.html")
	r := c.run(t, "--emulator", "status", "--report", path)
	require.Equal(t, exitFailed, r.code, r.stderr)

	b, err := cdp.Start(chromium, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(b.Close)
	defer func() {
		if t.Failed() {
			t.Logf("Chromium's output:\n%s", b.Output.String())
		}
	}()
	page, err := b.Open("file://"+path, 1200, 900)
	require.NoError(t, err)

	var figures map[string]string
	require.NoError(t, page.Eval(`Object.fromEntries([...document.querySelectorAll('.figure')].map(e => [e.id, e.textContent]))`, &figures))
	for name, n := range counts {
		require.Equal(t, strconv.Itoa(n), figures["count-"+name], name)
	}
	var bar struct{ X, Y, W, H float64 }
	require.NoError(t, page.Eval(`(() => { const r = document.getElementById('summary-bar').getBoundingClientRect();
		return {X: r.x + window.scrollX, Y: r.y + window.scrollY, W: r.width, H: r.height}; })()`, &bar))

	shot, err := page.Screenshot()
	require.NoError(t, err)
	if dir := os.Getenv("BACKUPRESTORE_KEEP_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "report.png"), shot, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)

	// Scan the bar's middle row: the runs of each outcome's colour.
	y := int(math.Round(bar.Y + bar.H/2))
	x0, x1 := int(math.Round(bar.X)), int(math.Round(bar.X+bar.W))
	widths := map[string]int{}
	var order []string
	last := ""
	for x := x0 - 5; x < x1+5; x++ {
		name := outcomeOfColor(img.At(x, y))
		if name != "" {
			widths[name]++
			if name != last {
				order = append(order, name)
			}
		}
		last = name
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	var wantOrder []string
	for _, o := range reportOutcomes {
		n := counts[o.o.String()]
		if n == 0 {
			require.Zero(t, widths[o.o.String()], "no %s segment", o.o)
			continue
		}
		wantOrder = append(wantOrder, o.o.String())
		want := float64(n) * reportBarWidth / float64(total)
		require.InDelta(t, want, float64(widths[o.o.String()]), 2, "the %s segment: %d of %d units", o.o, n, total)
	}
	require.Equal(t, wantOrder, order, "one segment per outcome, in order")
}

// outcomeOfColor names the outcome whose colour c is (within a small
// tolerance), or "".
func outcomeOfColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	for _, o := range reportOutcomes {
		want, err := parseHexColor(o.color)
		if err != nil {
			continue
		}
		if near(r>>8, want.R) && near(g>>8, want.G) && near(b>>8, want.B) {
			return o.o.String()
		}
	}
	return ""
}

// near reports whether two colour channels are within 3 of each other.
func near(a uint32, b uint8) bool { return math.Abs(float64(a)-float64(b)) <= 3 }

// parseHexColor parses "#rrggbb".
func parseHexColor(s string) (color.RGBA, error) {
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{}, err
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}, nil
}
