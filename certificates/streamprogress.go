package certificates

import (
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/web"
)

// A course's print-all PDF is streamed as it is drawn, so its size is
// not known when the download starts and the browser can show only the
// bytes received. For a large course the page asks PrintProgress how many
// pages have been sent: the page makes a random token, adds it to the
// download's address (?t=), and asks for that token's progress.

// printJob is one print-all PDF being streamed.
type printJob struct {
	user, course int64
	total        int
	done         atomic.Int64 // pages sent
	state        atomic.Value // "running", "done" or "failed"
	finished     atomic.Int64 // when it ended, in Unix seconds; 0 while running
}

// progress records that pages have been sent; Font.Write calls it.
func (j *printJob) progress(pages int) {
	if j != nil {
		j.done.Store(int64(pages))
	}
}

// finish records how the PDF ended.
func (j *printJob) finish(err error) {
	if j == nil {
		return
	}
	if err != nil {
		j.state.Store("failed")
	} else {
		j.state.Store("done")
	}
	j.finished.Store(time.Now().Unix())
}

// printJobs are the jobs with a token, kept for printJobKeep after they
// end so that the page sees the end; at most printJobsMax at once.
var printJobs = struct {
	sync.Mutex
	m map[string]*printJob
}{m: map[string]*printJob{}}

const (
	printJobKeep = 10 * time.Minute
	printJobsMax = 200
)

// printToken is what the page makes: 128 random bits in hex.
var printToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

// startPrintJob registers the job of token, or returns nil, which
// records nothing, when the token is malformed, taken, or there are too
// many jobs. token must not point into Fiber's buffers.
func startPrintJob(token string, user, course int64, total int) *printJob {
	if !printToken.MatchString(token) {
		return nil
	}
	printJobs.Lock()
	defer printJobs.Unlock()
	cutoff := time.Now().Add(-printJobKeep).Unix()
	for t, j := range printJobs.m {
		if end := j.finished.Load(); end != 0 && end < cutoff {
			delete(printJobs.m, t)
		}
	}
	if _, taken := printJobs.m[token]; taken || len(printJobs.m) >= printJobsMax {
		return nil
	}
	j := &printJob{user: user, course: course, total: total}
	j.state.Store("running")
	printJobs.m[token] = j
	return j
}

// printProgress is PrintProgress's answer.
type printProgress struct {
	State string `json:"state"` // waiting (not started, or unknown), running, done, failed
	Done  int64  `json:"done"`  // pages sent
	Total int    `json:"total"` // pages in the PDF
}

// PrintProgress tells the course page how far its print-all PDF has got:
// ?t= is the token the page added to the download. A token that is not
// the viewer's, for this course, answers as one not yet started.
func (h *Handler) PrintProgress(c *fiber.Ctx) error {
	course, err := web.PathID(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	printJobs.Lock()
	j := printJobs.m[c.Query("t")]
	printJobs.Unlock()
	if j == nil || j.user != web.ViewerOf(c).ID || j.course != course {
		return c.JSON(printProgress{State: "waiting"})
	}
	return c.JSON(printProgress{State: j.state.Load().(string), Done: j.done.Load(), Total: j.total})
}
