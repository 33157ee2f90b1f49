package trainees

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"partyschool/courses"
	"partyschool/web"
)

// visibleCourse reads :id, a course the signed-in trainee may enrol in or
// withdraw from: one they can see. Any other, like a missing one, is 404,
// so that enrol and withdraw answer nothing the course page would not.
func (h *Handler) visibleCourse(c *fiber.Ctx) (int64, error) {
	id, err := web.PathID(c)
	if err != nil {
		return 0, err
	}
	ctx := c.UserContext()
	course, err := h.Courses.Get(ctx, id)
	if errors.Is(err, courses.ErrNotFound) {
		return 0, web.NotFound()
	}
	if err != nil || course.Public() {
		return id, err
	}
	if course.Status != courses.StatusDraft {
		// A trainee on a course keeps seeing it after it closes.
		st, err := h.Store.Standing(ctx, id, web.ViewerOf(c).ID)
		if err != nil || st.Status == StatusEnrolled || st.Status == StatusWaitlisted {
			return id, err
		}
	}
	return 0, web.NotFound()
}

// Enrol puts the signed-in trainee on the course, or on its waitlist,
// and goes back to the course page, which says which.
func (h *Handler) Enrol(c *fiber.Ctx) error {
	id, err := h.visibleCourse(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	out, err := h.Store.Enrol(c.UserContext(), id, v.ID, v.ID, false)
	if err != nil {
		return h.refusal(c, id, err)
	}
	done := "enrolled"
	switch {
	case out.Already:
		done = "already"
	case out.Status == StatusWaitlisted:
		done = "waitlisted"
	}
	return c.Redirect(coursePath(id)+"?done="+done+"#enrolment", fiber.StatusSeeOther)
}

// Withdraw takes the signed-in trainee off the course or its waitlist.
// Withdrawing twice (a second click, another tab) changes nothing.
func (h *Handler) Withdraw(c *fiber.Ctx) error {
	id, err := h.visibleCourse(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	_, err = h.Store.Withdraw(c.UserContext(), id, v.ID, v.ID, false)
	if err != nil && !errors.Is(err, ErrNotOnCourse) {
		return h.refusal(c, id, err)
	}
	return c.Redirect(coursePath(id)+"?done=withdrawn#enrolment", fiber.StatusSeeOther)
}

// refusal answers a refused enrolment or withdrawal: outside the window
// it goes back to the course page with the reason; a course gone in the
// meantime is 404; anything else is the error page.
func (h *Handler) refusal(c *fiber.Ctx, courseID int64, err error) error {
	var closed *ClosedError
	switch {
	case errors.Is(err, ErrCourseNotFound):
		return web.NotFound()
	case errors.As(err, &closed):
		return c.Redirect(coursePath(courseID)+"?problem="+closed.State+"#enrolment", fiber.StatusSeeOther)
	}
	return err
}

func coursePath(id int64) string { return "/courses/" + strconv.FormatInt(id, 10) }
