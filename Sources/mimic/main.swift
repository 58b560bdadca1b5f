import MimicCLI
MimicCommand.main()
