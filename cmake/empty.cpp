// Placeholder translation unit for a stage that has only headers so far.
