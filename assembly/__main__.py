from assembly.cli import main

raise SystemExit(main())
