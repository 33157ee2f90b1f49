package courses

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeptPagesFollowTheCount(t *testing.T) {
	var pp publicPages
	now := time.Now()
	page := [][]byte{[]byte("<p>"), []byte("</p>")}

	p, lead := pp.find("k", Changes{Shown: 5}, false, now)
	if !lead {
		t.Fatal("the first request does not render")
	}
	// Another request that read the same count waits for that render.
	if q, lead := pp.find("k", Changes{Shown: 5}, false, now); lead || q != p {
		t.Fatal("a request at the same count renders again instead of waiting")
	}
	pp.keep("k", p, page, time.Time{})
	if q, lead := pp.find("k", Changes{Shown: 5}, false, now); lead || !bytes.Equal(bytes.Join(q.parts, nil), []byte("<p></p>")) {
		t.Fatal("the kept page is not served")
	}
	// Read at an earlier count, the page made later is fresher still.
	if _, lead := pp.find("k", Changes{Shown: 4}, false, now); lead {
		t.Error("a request that read an earlier count renders")
	}
	// A change committed: the next request renders, and the old page goes.
	p6, lead := pp.find("k", Changes{Shown: 6}, false, now)
	if !lead {
		t.Fatal("a page of an earlier count is served")
	}
	pp.keep("other", func() *keptPage { q, _ := pp.find("other", Changes{Shown: 6}, false, now); return q }(), page, time.Time{})
	pp.keep("k", p6, page, now.Add(time.Minute))
	if pp.bytes != 2*len("<p></p>") {
		t.Errorf("%d bytes counted, want %d", pp.bytes, 2*len("<p></p>"))
	}
	// A page that shows seats, kept after an enrolment, leaves the pages
	// without seats kept: their counts still hold.
	cat, _ := pp.find("catalogue", Changes{Shown: 6, Seats: 9}, true, now)
	pp.keep("catalogue", cat, page, time.Time{})
	if _, lead := pp.find("k", Changes{Shown: 6, Seats: 9}, false, now); lead {
		t.Error("a page without seats is dropped after an enrolment")
	}
	if _, lead := pp.find("catalogue", Changes{Shown: 6, Seats: 10}, true, now); !lead {
		t.Error("a page with seats is served after another enrolment")
	}
	if _, lead := pp.find("k", Changes{Shown: 6}, false, now.Add(2*time.Minute)); !lead {
		t.Error("a page past its time is served")
	}
	// A render that failed leaves nothing behind; those waiting retry.
	p7, _ := pp.find("k", Changes{Shown: 7}, false, now)
	pp.abandon("k", p7)
	select {
	case <-p7.ready:
	default:
		t.Error("those waiting for a failed render are not woken")
	}
	if _, lead := pp.find("k", Changes{Shown: 7}, false, now); !lead {
		t.Error("a failed render is served")
	}
}

func TestKeptPagesStayWithinTheirBytes(t *testing.T) {
	var pp publicPages
	big := [][]byte{bytes.Repeat([]byte("x"), keptBytes/8)}
	for i := range 20 {
		key := strings.Repeat("k", i+1)
		p, _ := pp.find(key, Changes{Shown: 1}, false, time.Now())
		pp.keep(key, p, big, time.Time{})
		if pp.bytes > keptBytes {
			t.Fatalf("%d bytes kept, over %d", pp.bytes, keptBytes)
		}
	}
	if _, lead := pp.find(strings.Repeat("k", 20), Changes{Shown: 1}, false, time.Now()); lead {
		t.Error("the page served last is gone")
	}
	if _, lead := pp.find("k", Changes{Shown: 1}, false, time.Now()); !lead {
		t.Error("the page served first is still kept")
	}
}

func TestCataloguePageHoldsUntilItWouldChange(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC) // 00:00 in Beijing
	at := func(h int) *time.Time { t := now.Add(time.Duration(h) * time.Hour); return &t }
	open := func(opens, closes int) Listed {
		return Listed{Course: Course{EnrolOpens: *at(opens), EnrolCloses: *at(closes)}}
	}
	cases := []struct {
		name   string
		listed []Listed
		want   time.Time
	}{
		{"nothing listed", nil, midnight},
		{"enrolment opens soon", []Listed{open(2, 30)}, *at(2)},
		{"enrolment closes soon", []Listed{open(-2, 3)}, *at(3)},
		{"all in the past", []Listed{open(-30, -20)}, midnight},
		{"a session ends soon", []Listed{{Course: open(-30, -20).Course, NextEnd: at(1)}}, *at(1)},
		{"the soonest of several", []Listed{open(5, 30), {Course: open(-30, 4).Course, NextEnd: at(6)}}, *at(4)},
	}
	for _, c := range cases {
		if got := until(c.listed, now); !got.Equal(c.want) {
			t.Errorf("%s: until %v, want %v", c.name, got, c.want)
		}
	}
}

// TestCountReadsStartAfterTheRequest: a request never takes the answer of
// a read that was under way when it came, which could miss a change that
// committed in between; those that come meanwhile share the next read.
func TestCountReadsStartAfterTheRequest(t *testing.T) {
	var cr countReader
	var reads atomic.Int64
	release := make(chan struct{})
	count := func(ctx context.Context) (Changes, error) {
		n := reads.Add(1)
		<-release
		return Changes{Shown: n}, nil
	}
	ctx := context.Background()
	first := make(chan int64)
	go func() { ch, _ := cr.read(ctx, count); first <- ch.Shown }()
	for reads.Load() == 0 { // the first read is under way
		time.Sleep(time.Millisecond)
	}
	later := make(chan int64, 10)
	for range 10 {
		go func() { ch, _ := cr.read(ctx, count); later <- ch.Shown }()
	}
	time.Sleep(20 * time.Millisecond) // all ten are waiting
	close(release)
	if n := <-first; n != 1 {
		t.Errorf("the first request got read %d, want 1", n)
	}
	for range 10 {
		if n := <-later; n != 2 {
			t.Errorf("a request that came during read 1 got read %d, want 2 (shared)", n)
		}
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads for 11 requests, want 2", n)
	}
}
