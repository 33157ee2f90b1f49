package attendance

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"partyschool/courses"
	"partyschool/web"
)

// sessionFor loads the session of :id for its lecturer or for staff
// (coordinators and admins). Another lecturer's session, a missing one and
// a malformed id all answer 404, so ids cannot be probed (SECURITY.md 2).
func (h *Handler) sessionFor(c *fiber.Ctx) (*courses.Session, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	s, err := h.Courses.Session(c.UserContext(), id)
	if errors.Is(err, courses.ErrNotFound) {
		return nil, web.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if err := h.mayTeach(c, s.ID); err != nil {
		return nil, err
	}
	return s, nil
}

// mayTeach answers 404 unless the viewer is staff or teaches the session:
// for handlers that load the session their own way.
func (h *Handler) mayTeach(c *fiber.Ctx, sessionID int64) error {
	if web.IsStaff(c) {
		return nil
	}
	teaches, err := h.Trainees.TeachesSession(c.UserContext(), sessionID, web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	if !teaches {
		return web.NotFound()
	}
	return nil
}
