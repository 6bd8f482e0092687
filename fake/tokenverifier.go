package fake

// verifyToken applies Options.TokenVerifier to a bearer token: nil when
// there is none or it accepts the token, else a 401 carrying the
// verifier's message (never the token).
func (s *Server) verifyToken(tok string) *graphError {
	if s.opts.TokenVerifier == nil {
		return nil
	}
	if err := s.opts.TokenVerifier(tok); err != nil {
		return unauthorized(err.Error())
	}
	return nil
}
