// Machine target
