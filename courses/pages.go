package courses

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// keptBytes bounds the memory the kept public pages take in one process;
// the least recently served go first. A city's week of some 740 sessions
// is about 0.3 MB of HTML.
const keptBytes = 48 << 20

// pageMarker stands in for the visitor's CSRF token while a page to keep
// is rendered: the kept page is cut at it, and each visitor gets their
// own token put back. It has a token's form (43 characters of base64url),
// so every template writes it as it would the token, and it is random per
// process, so no text in the data can be taken for it.
var pageMarker = func() []byte {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return []byte(base64.RawURLEncoding.EncodeToString(raw))
}()

// publicPages keeps the pages that every visitor who is not signed in sees
// alike — the week timetable and the catalogue — rendered, so that a crowd
// costs a count read per request instead of the page's queries and
// templates (bench/NOTES.md). A page is kept with the counts of committed
// changes (Store.PublicChanges) read before its data, and served only
// while they are unchanged — the count of seats taken only for a page that
// shows seats, the catalogue: in every process, the first request after a
// change has committed renders afresh. The passing of time changes pages
// too (a new day, an enrolment window opening, a session ending), so each
// is kept until the first such moment. While a page is being rendered,
// requests for it at the same counts wait for it rather than render it
// again. The zero value is ready to use.
type publicPages struct {
	counts countReader

	mu    sync.Mutex
	pages map[string]*keptPage
	bytes int    // the size of the ready pages in pages
	clock uint64 // ticks on every use, for the least recently used
}

// keptPage is one rendered page, or one being rendered.
type keptPage struct {
	changes Changes       // the counts read before its data
	seats   bool          // it shows the seats taken, so Changes.Seats counts too
	until   time.Time     // kept until then; zero: for as long as the counts hold
	parts   [][]byte      // the page cut at pageMarker; nil while rendering, or when the render failed
	size    int           // bytes in parts
	used    uint64        // the clock when last served
	ready   chan struct{} // closed when parts are set or the render failed
}

// publicKey names a public page: its path and the query that chooses what
// it shows (as the handler parsed it, so that stray parameters cannot
// multiply the pages kept), and what the layout shows a visitor who is
// not signed in — the language, the text size and the school's name.
func publicKey(c *fiber.Ctx, query ...string) string {
	p := web.NewPage(c, "")
	large := "0"
	if p.LargeText {
		large = "1"
	}
	return strings.Join(append([]string{p.Path, p.Lang, large, p.School}, query...), "\x00")
}

// serve answers c with the page of key for a visitor who is not signed
// in: the kept one when its counts are current, else what render writes,
// kept for the next visitor. seats says whether the page shows the seats
// taken on courses. render renders the page as the handler always does
// and says until when the page holds (zero: no limit).
func (pp *publicPages) serve(c *fiber.Ctx, store *Store, key string, seats bool, render func() (time.Time, error)) error {
	if c.Method() != fiber.MethodGet || web.ViewerOf(c) != nil {
		_, err := render()
		return err
	}
	ctx := c.UserContext()
	changes, err := pp.counts.read(ctx, store.PublicChanges)
	if err != nil {
		return err
	}
	page, lead := pp.find(key, changes, seats, time.Now())
	if !lead {
		select {
		case <-page.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		if page.parts == nil { // its render failed: try here, unkept
			_, err := render()
			return err
		}
		writePage(c, page.parts)
		return nil
	}
	kept := false
	token := web.CSRFToken(c)
	defer func() {
		web.SetCSRFToken(c, token) // even if render panics: the error page is the visitor's own
		if !kept {
			pp.abandon(key, page)
		}
	}()
	web.SetCSRFToken(c, string(pageMarker))
	until, err := render()
	web.SetCSRFToken(c, token)
	res := c.Response()
	if err != nil || res.StatusCode() != fiber.StatusOK || !until.IsZero() && !time.Now().Before(until) {
		if body := res.Body(); bytes.Contains(body, pageMarker) {
			res.SetBody(bytes.ReplaceAll(body, pageMarker, []byte(token)))
		}
		return err
	}
	parts := bytes.Split(bytes.Clone(res.Body()), pageMarker)
	pp.keep(key, page, parts, until)
	kept = true
	writePage(c, parts)
	return nil
}

// find returns the page to serve for key at the counts ch, or a new one
// for this request to render (lead).
func (pp *publicPages) find(key string, ch Changes, seats bool, now time.Time) (page *keptPage, lead bool) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if p := pp.pages[key]; p != nil && p.changes.holdAt(ch, seats) {
		select {
		case <-p.ready:
			if p.parts != nil && (p.until.IsZero() || now.Before(p.until)) {
				pp.clock++
				p.used = pp.clock
				return p, false
			}
		default:
			return p, false // being rendered: wait for it
		}
	}
	if pp.pages == nil {
		pp.pages = map[string]*keptPage{}
	}
	pp.forget(key)
	p := &keptPage{changes: ch, seats: seats, ready: make(chan struct{})}
	pp.pages[key] = p
	return p, true
}

// keep sets the rendered page and wakes those waiting for it. It stays
// kept unless a request that read a later count has replaced it meanwhile.
func (pp *publicPages) keep(key string, p *keptPage, parts [][]byte, until time.Time) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	p.parts, p.until = parts, until
	for _, part := range parts {
		p.size += len(part)
	}
	close(p.ready)
	if pp.pages[key] != p {
		return
	}
	if p.size > keptBytes/4 {
		delete(pp.pages, key) // too big to keep: served to those waiting only
		return
	}
	pp.bytes += p.size
	pp.clock++
	p.used = pp.clock
	// Pages that do not hold at these counts will never be served again.
	for k, q := range pp.pages {
		if !q.changes.holdAt(p.changes, q.seats) {
			pp.forget(k)
		}
	}
	for pp.bytes > keptBytes {
		oldest := ""
		for k, q := range pp.pages {
			if q.parts != nil && (oldest == "" || q.used < pp.pages[oldest].used) {
				oldest = k
			}
		}
		if oldest == "" {
			break
		}
		pp.forget(oldest)
	}
}

// abandon drops a page whose render failed or is not to be kept; those
// waiting for it render it themselves.
func (pp *publicPages) abandon(key string, p *keptPage) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.pages[key] == p {
		delete(pp.pages, key)
	}
	close(p.ready)
}

// forget drops the page of key, if any. The caller holds mu. A page in
// pages with its parts set is one keep counted in bytes.
func (pp *publicPages) forget(key string) {
	if q, ok := pp.pages[key]; ok {
		if q.parts != nil {
			pp.bytes -= q.size
		}
		delete(pp.pages, key)
	}
}

// writePage answers with a kept page, the visitor's CSRF token put back.
func writePage(c *fiber.Ctx, parts [][]byte) {
	token := web.CSRFToken(c)
	res := c.Response()
	res.SetStatusCode(fiber.StatusOK)
	res.Header.SetContentType(fiber.MIMETextHTMLCharsetUTF8)
	res.ResetBody()
	for i, part := range parts {
		if i > 0 {
			res.AppendBodyString(token)
		}
		res.AppendBody(part)
	}
}

// holdAt reports whether data read after the counts ch is current at the
// counts now, seats saying whether the seats taken are part of it. Counts
// at or past now are fresher still: they were read later, so the data
// after them was too.
func (ch Changes) holdAt(now Changes, seats bool) bool {
	return ch.Shown >= now.Shown && (!seats || ch.Seats >= now.Seats)
}

// countReader reads the count of public changes for many requests at
// once. A request joins the next read to start, never one already under
// way: that read begins after the request arrived, so it sees every
// change committed before then, as a read of the request's own would.
// Under a crowd one read serves all the requests that came while the
// previous one was out, instead of a query each.
type countReader struct {
	mu      sync.Mutex
	next    *countRead // the read that requests arriving now join
	reading bool       // a goroutine is running the reads
}

// countRead is one read of the count and those waiting for it.
type countRead struct {
	done chan struct{}
	ch   Changes
	err  error
}

// countTimeout bounds one read; each request also stops waiting at its
// own deadline.
const countTimeout = 5 * time.Second

// read returns the counts, read by count at a moment after read was called.
func (cr *countReader) read(ctx context.Context, count func(context.Context) (Changes, error)) (Changes, error) {
	cr.mu.Lock()
	r := cr.next
	if r == nil {
		r = &countRead{done: make(chan struct{})}
		cr.next = r
		if !cr.reading {
			cr.reading = true
			go cr.run(count)
		}
	}
	cr.mu.Unlock()
	select {
	case <-r.done:
		return r.ch, r.err
	case <-ctx.Done():
		return Changes{}, ctx.Err()
	}
}

// run makes the reads that requests wait for, one after another, until
// none waits.
func (cr *countReader) run(count func(context.Context) (Changes, error)) {
	for {
		cr.mu.Lock()
		r := cr.next
		cr.next = nil
		if r == nil {
			cr.reading = false
			cr.mu.Unlock()
			return
		}
		cr.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
		r.ch, r.err = count(ctx)
		cancel()
		close(r.done)
	}
}

// keptSessionsMax bounds the sessions keptSessions holds in one process;
// the least recently used courses go first.
const keptSessionsMax = 50000

// keptSessions keeps each course's sessions of the weeks a schedule shows,
// shared by everyone on the course: my schedule reads its trainee's courses
// and feed, which are theirs alone, but the sessions of a course are the
// same for all its trainees. Like the public pages, a course's sessions
// are kept with the count of public changes read before them (Shown: an
// enrolment leaves them kept) and used only while the count has not moved
// past it. The zero value is ready to use.
type keptSessions struct {
	mu      sync.Mutex
	courses map[keptWeeks]*keptCourse
	size    int // sessions kept
	clock   uint64
}

// keptWeeks is a course and the time its sessions were read for (Unix
// seconds).
type keptWeeks struct {
	course, from, to int64
}

// keptCourse is one course's sessions, in order, of every course status.
type keptCourse struct {
	version  int64
	sessions []Session
	used     uint64
}

// timetable is Store.Timetable for f with CourseIDs (a trainee's
// schedule): the kept sessions of each course, and those of the others
// read in one query and kept.
func (ks *keptSessions) timetable(ctx context.Context, store *Store, counts *countReader, f TimetableFilter) ([]Session, error) {
	if len(f.CourseIDs) == 0 {
		return store.Timetable(ctx, f)
	}
	changes, err := counts.read(ctx, store.PublicChanges)
	if err != nil {
		return nil, err
	}
	version := changes.Shown // the seats taken are not on a session
	var out []Session
	var missing []int64
	ks.mu.Lock()
	for _, id := range f.CourseIDs {
		k := keptWeeks{id, f.From.Unix(), f.To.Unix()}
		if kc := ks.courses[k]; kc != nil && kc.version >= version {
			ks.clock++
			kc.used = ks.clock
			out = append(out, kc.sessions...)
		} else {
			missing = append(missing, id)
		}
	}
	ks.mu.Unlock()
	if len(missing) > 0 {
		read, err := store.Timetable(ctx, TimetableFilter{From: f.From, To: f.To, CourseIDs: missing, Statuses: Statuses, Limit: maxShown})
		if err != nil {
			return nil, err
		}
		out = append(out, read...)
		if len(read) < maxShown { // all of them: each course's list is whole
			ks.keep(version, f.From, f.To, missing, read)
		}
	}
	shown := make([]Session, 0, len(out))
	for _, s := range out {
		if slices.Contains(f.Statuses, s.CourseStatus) {
			shown = append(shown, s)
		}
	}
	slices.SortFunc(shown, func(a, b Session) int {
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(shown) > f.Limit {
		shown = shown[:f.Limit]
	}
	return shown, nil
}

// keep stores the sessions read at version for the courses ids.
func (ks *keptSessions) keep(version int64, from, to time.Time, ids []int64, read []Session) {
	byCourse := make(map[int64][]Session, len(ids))
	for _, s := range read {
		byCourse[s.CourseID] = append(byCourse[s.CourseID], s)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.courses == nil {
		ks.courses = map[keptWeeks]*keptCourse{}
	}
	// Courses read at earlier counts will never be used again.
	for k, kc := range ks.courses {
		if kc.version < version {
			ks.size -= len(kc.sessions)
			delete(ks.courses, k)
		}
	}
	for _, id := range ids {
		k := keptWeeks{id, from.Unix(), to.Unix()}
		if kc := ks.courses[k]; kc != nil {
			if kc.version >= version {
				continue // read later by another request
			}
			ks.size -= len(kc.sessions)
		}
		ks.clock++
		ks.courses[k] = &keptCourse{version: version, sessions: byCourse[id], used: ks.clock}
		ks.size += len(byCourse[id])
	}
	for ks.size > keptSessionsMax {
		var oldest keptWeeks
		var found *keptCourse
		for k, kc := range ks.courses {
			if found == nil || kc.used < found.used {
				oldest, found = k, kc
			}
		}
		ks.size -= len(found.sessions)
		delete(ks.courses, oldest)
	}
}
