"""Small built-in name lists (no commas or quotes in any name, but a few apostrophes,
hyphens and accented letters so that name normalization gets exercised)."""

MALE_FIRST_NAMES = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
    "Paul", "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald",
    "Jason", "Edward", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan",
    "Stephen", "Larry", "Justin", "Scott", "Brandon", "Tyrone", "DeShawn", "Jamal", "Luis",
    "Carlos", "José", "Juan", "Miguel", "Wei", "Minh", "Ahmed", "Omar", "D'Andre",
    "Jean-Luc", "André", "Dmitri", "Kwame", "Raj", "Hiroshi", "Malik",
)

FEMALE_FIRST_NAMES = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly",
    "Emily", "Donna", "Michelle", "Carol", "Amanda", "Dorothy", "Melissa", "Deborah",
    "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Kathleen", "Amy", "Angela",
    "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen", "Keisha", "Latoya",
    "Shanice", "María", "Guadalupe", "Rosa", "Ana", "Mei", "Lan", "Fatima", "Aisha",
    "Zoë", "Renée", "Anne-Marie", "Mary-Kate", "Siobhan", "Priya", "Yuki", "Chantal", "Ngozi",
)

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kowalski", "Schmidt",
    "Mueller", "Novak", "Yoder", "Stoltzfus", "Washington", "Jefferson", "Patel", "Kim",
    "Chen", "Wang", "Tran", "Ali", "Okafor", "Mensah", "O'Brien", "O'Connor", "D'Angelo",
    "McDonald", "MacKenzie", "Smith-Jones", "Garcia-Lopez", "Lee-Park", "Muñoz", "Peña",
    "Núñez", "Rossi", "Russo", "Bianchi", "Kaczmarek", "Wójcik", "Dubois", "Lefèvre",
    "Johansson", "Larsen", "Haddad", "Nasser", "Abdi", "Hussein",
)
