"""HS classification: goods description to ranked HS codes; misclassification flags."""
