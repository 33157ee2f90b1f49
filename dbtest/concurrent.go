package dbtest

import "sync"

// Concurrently runs f n times at once, every call released by the same
// start barrier so they really contend, and returns each call's error.
// Tests of invariants under concurrency (SECURITY.md 17) use it.
func Concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	ready := sync.WaitGroup{}
	done := sync.WaitGroup{}
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}
