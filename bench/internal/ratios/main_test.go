package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkCancelOffboard/floor-2         	    4598	     100000 ns/op	   10000 B/op	     100 allocs/op
BenchmarkCancelOffboard/floor-2         	    4598	     300000 ns/op	   10000 B/op	     100 allocs/op
BenchmarkCancelOffboard/floor-2         	    4598	     200000 ns/op	   10000 B/op	     100 allocs/op
BenchmarkCancelOffboard/backuprestore-2 	    7039	     250000 ns/op	     90000 cpu-ns/op	   16000 B/op	     250 allocs/op
BenchmarkCancelOffboard/msgraph-2       	    1485	     500000 ns/op	    270000 cpu-ns/op	   45000 B/op	     750 allocs/op
BenchmarkDecodeUnit/encoding-json-2     	   18259	      20000 ns/op	    1448 B/op	      33 allocs/op
BenchmarkDecodeUnit/backuprestore-2     	   83419	       5000 ns/op	     848 B/op	      21 allocs/op
BenchmarkList10000/floor-2              	       2	 170000000 ns/op	        27.16 allocs/unit	     17000 ns/unit	38622312 B/op	  271618 allocs/op
PASS
`

func TestParseBenchMedians(t *testing.T) {
	r, err := parseBench(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bench, who, metric string
		want               float64
	}{
		{"CancelOffboard", "floor", "ns/op", 200000},
		{"CancelOffboard", "backuprestore", "allocs/op", 250},
		{"DecodeUnit", "floor", "ns/op", 20000}, // encoding-json is the floor
		{"List10000", "floor", "ns/unit", 17000},
		{"List10000", "floor", "allocs/unit", 27.16},
	} {
		if got, ok := r.get(tc.bench, tc.who, tc.metric); !ok || got != tc.want {
			t.Errorf("%s/%s %s = %v, %v; want %v", tc.bench, tc.who, tc.metric, got, ok, tc.want)
		}
	}
}

func TestTargetsAndRatios(t *testing.T) {
	r, err := parseBench(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeBench(&b, r)
	out := b.String()
	for _, want := range []string{
		"| CancelOffboard | ns/op | 200.0 µs | 250.0 µs | 500.0 µs | 1.25× | 2.00× |",
		"| CancelOffboard ns/op ≤ 1.3× floor | 1.25× | met |",
		"| CancelOffboard allocs/op ≤ 2.0× floor | 2.50× | **missed** |",
		"| DecodeUnit ns/op ≤ 1.5× floor | 0.25× | met |",
		"| DecodeUnit | ns/op | 20.0 µs | 5.0 µs | – | 0.25× | – |",
		"| CancelOffboard | cpu-ns/op | – | 90.0 µs | 270.0 µs | – | 3.00× |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBuilds(t *testing.T) {
	dir := t.TempDir()
	bench := filepath.Join(dir, "bench.txt")
	build := filepath.Join(dir, "build.tsv")
	if err := os.WriteFile(bench, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	tsv := "raw\t0:10.00\t15.5\t100000\t8000000\n" +
		"kiota\t0:20.00\t30\t200000\t12000000\n" +
		"backuprestore\t0:22.00\t33\t210000\t13000000\n" +
		"backuprestore\t0:30.00\t45\t210000\t13000000\n" +
		"backuprestore\t0:23.00\t34\t210000\t13000000\n" +
		"msgraph\t1:02:40\t7000\t4400000\t90000000\n"
	if err := os.WriteFile(build, []byte(tsv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(dir, "out")
	if err != nil {
		t.Fatal(err)
	}
	if err := run(out, bench, build); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out.Name())
	for _, want := range []string{
		"| backuprestore | 3 | 23.0 s | 34.0 s | 205 MiB | 12.4 MiB |",
		"| cold build ≤ 1.2× the Kiota + azidentity program | 1.15× | met |",
		"| msgraph-sdk-go's cold build ≥ 7× ours | 163.48× | met |",
		"kiota +10.0 s, backuprestore +13.0 s, msgraph +3750.0 s.",
		"| msgraph/ours | 163.48× | 205.88× | 20.95× | 6.92× |",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestParseElapsed(t *testing.T) {
	for in, want := range map[string]float64{"0:12.50": 12.5, "3:01.00": 181, "1:00:00": 3600} {
		if got, err := parseElapsed(in); err != nil || got != want {
			t.Errorf("parseElapsed(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseElapsed("12"); err == nil {
		t.Error("parseElapsed(\"12\") did not fail")
	}
}
