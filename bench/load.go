package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sort"
	"sync"
	"time"
)

// Load is what one load run measured.
type Load struct {
	RPS      float64
	P50, P99 time.Duration
	Errors   int
}

// runLoad requests url from conns connections, each waiting for its answer
// before asking again, for d; every connection keeps its own cookies, like
// a browser. Only 200 answers count; anything else is an error.
func runLoad(ctx context.Context, url string, conns int, d time.Duration) (Load, error) {
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer transport.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()

	var mu sync.Mutex
	var all []time.Duration
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Transport: transport, Jar: jar, Timeout: 10 * time.Second}
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(all) == 0 {
		return Load{Errors: errors}, fmt.Errorf("GET %s: no successful request (%d errors)", url, errors)
	}
	slices.Sort(all)
	return Load{
		RPS:    float64(len(all)) / elapsed.Seconds(),
		P50:    percentile(all, 0.50),
		P99:    percentile(all, 0.99),
		Errors: errors,
	}, nil
}

// percentile returns the p-th quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// medianLoad returns the median of each figure on its own (throughput,
// p50, p99), and the errors of all runs.
func medianLoad(runs []Load) Load {
	pick := func(f func(Load) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	out := Load{
		RPS: pick(func(l Load) float64 { return l.RPS }),
		P50: time.Duration(pick(func(l Load) float64 { return float64(l.P50) })),
		P99: time.Duration(pick(func(l Load) float64 { return float64(l.P99) })),
	}
	for _, r := range runs {
		out.Errors += r.Errors
	}
	return out
}

// median returns the median of durations.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
