package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
)

// GoBench is one Go benchmark: the median of its runs.
type GoBench struct {
	Name        string
	NsPerOp     float64
	BytesPerOp  float64
	AllocsPerOp float64
}

// goBenchmarks are the code paths measured with `go test -bench`, each
// hot path beside the baseline it replaced or stands against.
var goBenchmarks = []string{"./courses", "./ical", "./certificates"}

// goBaselines names the baseline of a benchmark that is not the one
// after it.
var goBaselines = map[string]string{"BenchmarkSingleCertificate": "BenchmarkBareGofpdf"}

// runGoBenchmarks runs the packages' benchmarks count times and returns
// the median of each.
func runGoBenchmarks(ctx context.Context, count int) ([]GoBench, error) {
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", strconv.Itoa(count)}, goBenchmarks...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	runs := map[string][]GoBench{}
	var order []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		b := GoBench{Name: name}
		b.NsPerOp, _ = strconv.ParseFloat(f[2], 64)
		b.BytesPerOp, _ = strconv.ParseFloat(f[4], 64)
		b.AllocsPerOp, _ = strconv.ParseFloat(f[6], 64)
		if runs[name] == nil {
			order = append(order, name)
		}
		runs[name] = append(runs[name], b)
	}
	var res []GoBench
	for _, name := range order {
		r := runs[name]
		sort.Slice(r, func(i, j int) bool { return r[i].NsPerOp < r[j].NsPerOp })
		res = append(res, r[len(r)/2])
	}
	return res, nil
}
