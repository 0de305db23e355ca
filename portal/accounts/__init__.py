"""Users, roles, teams, sign-in, registration and password reset."""
