package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// ShutdownTimeout bounds how long in-flight requests may take to finish
// after SIGTERM. It is also the write timeout, so any response the server
// would let finish, shutdown lets finish too.
const ShutdownTimeout = 30 * time.Second

// Serve listens on the configured address until ctx ends (SIGTERM or
// SIGINT in main), then stops taking new connections, lets in-flight
// requests finish within ShutdownTimeout, and returns.
func (s *Server) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Fiber.Listener(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logger.Info("shutting down", "timeout", ShutdownTimeout.String())
	if err := s.Fiber.ShutdownWithTimeout(ShutdownTimeout); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-errc
}
