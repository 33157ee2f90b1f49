//go:build !linux

package main

import "os/exec"

// dieWithParent does nothing where the kernel cannot kill a child with its
// parent; the test's cleanup still kills the server.
func dieWithParent(*exec.Cmd) {}
