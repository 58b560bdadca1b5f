// \(t) target
