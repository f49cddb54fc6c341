"""Risk targeting: features, models, officer rules, explanations, lanes and feedback."""
