package events

// MentorshipAccepted: a proposed mentor accepted; the pairing is active
// (mentorship.pair.accepted v1). Subject: the mentorship id. The onboarding service moves
// the hire's mentor-owned tasks to Mentor.
type MentorshipAccepted struct {
	Hire   string `json:"hire"`
	Mentor string `json:"mentor"`
}

func (MentorshipAccepted) EventType() string { return "mentorship.pair.accepted" }
func (MentorshipAccepted) EventVersion() int { return 1 }
func (e MentorshipAccepted) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Hire) {
		p["hire"] = "is required"
	}
	if !IsToken(e.Mentor) {
		p["mentor"] = "is required"
	}
	if e.Hire == e.Mentor && e.Hire != "" {
		p["mentor"] = "must not be the hire"
	}
	return invalid(p)
}
