"""Names for the demo university, grouped by broad heritage so a London workforce looks like one.

The groups only shape who is likely to have which name and equality-monitoring answers;
nothing in Gradepath reads them. First names are split female / male so the recorded sex
can follow the name (with "prefer not to say" mixed in by the builder).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameGroup:
    """First and last names of one heritage group, with its share of the workforce."""

    key: str
    weight: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    # (ethnicity as recorded, weight): the usual answers for people in this group.
    ethnicities: tuple[tuple[str, int], ...]
    # (religion or belief, weight)
    religions: tuple[tuple[str, int], ...]


_BRITISH_RELIGIONS = (("No religion", 50), ("Christian", 36), ("Jewish", 3), ("Any other religion or belief", 2),
                      ("Buddhist", 1), ("Muslim", 1))

NAME_GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        key="british",
        weight=46,
        female=("Amelia", "Charlotte", "Emily", "Grace", "Hannah", "Isabel", "Jessica", "Katherine", "Laura",
                "Lucy", "Megan", "Olivia", "Rachel", "Rebecca", "Sarah", "Sophie", "Victoria", "Zoe", "Abigail",
                "Alice", "Beth", "Claire", "Eleanor", "Elizabeth", "Fiona", "Gemma", "Harriet", "Helen", "Jane",
                "Joanna", "Kirsty", "Lauren", "Margaret", "Natalie", "Philippa", "Rosie", "Ruth", "Samantha",
                "Stephanie", "Alexandra", "Bethan", "Carys", "Ffion", "Rhiannon", "Eilidh", "Morag", "Isla",
                "Jennifer", "Caroline", "Louise", "Amy", "Holly", "Chloe", "Lydia", "Imogen", "Frances"),
        male=("Alexander", "Andrew", "Benjamin", "Callum", "Christopher", "Daniel", "David", "Edward", "George",
              "Harry", "Jack", "James", "Jonathan", "Joseph", "Lewis", "Matthew", "Michael", "Nicholas", "Oliver",
              "Paul", "Peter", "Richard", "Robert", "Samuel", "Simon", "Stephen", "Thomas", "Timothy", "William",
              "Adam", "Alistair", "Ben", "Craig", "Dylan", "Euan", "Gareth", "Hamish", "Huw", "Iain", "Jamie",
              "Luke", "Mark", "Martin", "Neil", "Owen", "Rhys", "Ross", "Ryan", "Stuart", "Tom", "Philip",
              "Graham", "Duncan", "Gavin", "Kieran", "Nathan"),
        surnames=("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
                  "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
                  "Clarke", "Hughes", "Edwards", "Turner", "Harris", "Martin", "Cooper", "Hill", "Ward", "Morris",
                  "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott",
                  "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell",
                  "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
                  "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams",
                  "Campbell", "Stewart", "Macdonald", "Fraser", "Mackenzie", "Ross", "Reid", "Paterson",
                  "Llewellyn", "Pritchard", "Rees", "Powell", "Howells", "Fletcher", "Holt", "Barker", "Hartley",
                  "Ashworth", "Whitfield", "Pemberton", "Fairbairn", "Goodwin", "Lawrence", "Sutton", "Foster",
                  "Chapman", "Lamb", "Webb", "Hayes", "Palmer", "Mason", "Holmes", "Lloyd", "Hunt"),
        ethnicities=(("White - British", 88), ("White - Other", 3), ("Mixed - White and Black Caribbean", 3),
                     ("Mixed - White and Asian", 3), ("Other mixed background", 3)),
        religions=_BRITISH_RELIGIONS,
    ),
    NameGroup(
        key="irish",
        weight=5,
        female=("Aoife", "Niamh", "Siobhan", "Ciara", "Roisin", "Orla", "Sinead", "Grainne", "Aisling", "Maeve",
                "Clodagh", "Deirdre"),
        male=("Cian", "Conor", "Darragh", "Eoin", "Fionn", "Liam", "Padraig", "Ronan", "Seamus", "Declan",
              "Colm", "Donal"),
        surnames=("O'Brien", "O'Connor", "Byrne", "Ryan", "O'Sullivan", "Walsh", "McCarthy", "Doyle", "Kennedy",
                  "Lynch", "Murray", "Quinn", "Gallagher", "Brennan", "Fitzgerald", "Nolan", "Kavanagh",
                  "Dunne", "O'Neill", "McLaughlin"),
        ethnicities=(("White - Irish", 92), ("White - British", 8)),
        religions=(("Christian", 55), ("No religion", 40), ("Any other religion or belief", 5)),
    ),
    NameGroup(
        key="indian",
        weight=7,
        female=("Priya", "Anjali", "Kavita", "Sunita", "Meera", "Shreya", "Divya", "Pooja", "Deepa", "Nisha",
                "Lakshmi", "Radhika", "Anita"),
        male=("Arjun", "Rahul", "Sanjay", "Vikram", "Rajesh", "Amit", "Ravi", "Anil", "Suresh", "Rohan",
              "Nikhil", "Kiran", "Prakash"),
        surnames=("Patel", "Shah", "Sharma", "Mistry", "Desai", "Mehta", "Joshi", "Iyer", "Nair", "Banerjee",
                  "Chatterjee", "Mukherjee", "Das", "Rao", "Reddy", "Kapoor", "Chopra", "Pillai", "Menon"),
        ethnicities=(("Asian or Asian British - Indian", 88), ("Other Asian background", 4),
                     ("Mixed - White and Asian", 8)),
        religions=(("Hindu", 58), ("Christian", 8), ("No religion", 24), ("Jain", 4), ("Muslim", 3),
                   ("Buddhist", 3)),
    ),
    NameGroup(
        key="punjabi_sikh",
        weight=2,
        female=("Harpreet", "Simran", "Jaspreet", "Manjit", "Gurleen", "Navdeep"),
        male=("Harjit", "Gurpreet", "Manpreet", "Jasvir", "Sukhdev", "Amarjit"),
        surnames=("Singh", "Gill", "Sandhu", "Dhillon", "Sidhu", "Bains", "Grewal", "Johal"),
        ethnicities=(("Asian or Asian British - Indian", 92), ("Mixed - White and Asian", 8)),
        religions=(("Sikh", 78), ("No religion", 16), ("Christian", 3), ("Hindu", 3)),
    ),
    NameGroup(
        key="pakistani_bangladeshi",
        weight=5,
        female=("Aisha", "Fatima", "Ayesha", "Zainab", "Rukhsana", "Nadia", "Farah", "Sabrina", "Tahmina",
                "Nusrat", "Sana", "Hina"),
        male=("Imran", "Omar", "Hassan", "Bilal", "Kamran", "Faisal", "Tariq", "Zubair", "Shahid", "Adnan",
              "Rizwan", "Saiful"),
        surnames=("Khan", "Hussain", "Ahmed", "Ali", "Rahman", "Chowdhury", "Islam", "Uddin", "Qureshi",
                  "Malik", "Butt", "Bhatti", "Iqbal", "Miah"),
        ethnicities=(("Asian or Asian British - Pakistani", 55), ("Asian or Asian British - Bangladeshi", 38),
                     ("Mixed - White and Asian", 7)),
        religions=(("Muslim", 86), ("No religion", 10), ("Christian", 4)),
    ),
    NameGroup(
        key="sri_lankan",
        weight=1,
        female=("Nilmini", "Dilani", "Shanika", "Tharushi"),
        male=("Chaminda", "Nuwan", "Ruwan", "Kasun"),
        surnames=("Perera", "Fernando", "Jayawardena", "Silva", "Wickramasinghe", "Gunawardena"),
        ethnicities=(("Other Asian background", 90), ("Mixed - White and Asian", 10)),
        religions=(("Buddhist", 55), ("Christian", 22), ("Hindu", 10), ("No religion", 13)),
    ),
    NameGroup(
        key="chinese",
        weight=5,
        female=("Mei", "Li", "Xiaoling", "Yan", "Hui", "Jing", "Ying", "Xinyi", "Yue"),
        male=("Wei", "Jun", "Hao", "Jian", "Ming", "Kai", "Zhiwei", "Tao", "Bo"),
        surnames=("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wong", "Lam", "Cheung", "Ng", "Zhao", "Yang",
                  "Xu", "Ho", "Tan", "Lim", "Zhou", "Wu"),
        ethnicities=(("Chinese", 90), ("Other Asian background", 5), ("Mixed - White and Asian", 5)),
        religions=(("No religion", 66), ("Buddhist", 14), ("Christian", 16), ("Any other religion or belief", 4)),
    ),
    NameGroup(
        key="vietnamese",
        weight=1,
        female=("Linh", "Thao", "Mai", "Huong"),
        male=("Tuan", "Duc", "Minh", "Quang"),
        surnames=("Nguyen", "Tran", "Pham", "Le", "Hoang", "Vu"),
        ethnicities=(("Other Asian background", 100),),
        religions=(("Buddhist", 45), ("No religion", 40), ("Christian", 15)),
    ),
    NameGroup(
        key="japanese",
        weight=1,
        female=("Yuki", "Hana", "Aiko", "Emi"),
        male=("Kenji", "Hiroshi", "Takashi", "Daisuke"),
        surnames=("Tanaka", "Sato", "Suzuki", "Watanabe", "Ito", "Yamamoto"),
        ethnicities=(("Other Asian background", 100),),
        religions=(("No religion", 62), ("Buddhist", 28), ("Christian", 10)),
    ),
    NameGroup(
        key="korean",
        weight=1,
        female=("Minji", "Jiyeon", "Soyoung", "Eunji"),
        male=("Minho", "Jisung", "Hyunwoo", "Seojun"),
        surnames=("Kim", "Park", "Choi", "Jung", "Kang", "Yoon"),
        ethnicities=(("Other Asian background", 100),),
        religions=(("No religion", 50), ("Christian", 35), ("Buddhist", 15)),
    ),
    NameGroup(
        key="african",
        weight=7,
        female=("Adaeze", "Chiamaka", "Ngozi", "Folake", "Abimbola", "Yetunde", "Amara", "Efua", "Ama", "Akosua",
                "Wanjiru", "Nia", "Zodwa", "Thandiwe", "Blessing", "Precious", "Funmilayo", "Oluwaseun"),
        male=("Chinedu", "Emeka", "Oluwaseyi", "Tunde", "Kwame", "Kofi", "Kwabena", "Yaw", "Segun", "Babajide",
              "Tendai", "Themba", "Olumide", "Ikenna", "Chukwuma", "Daniel", "Samuel", "Joseph"),
        surnames=("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Adebayo", "Oyelaran", "Eze", "Nwosu", "Mensah",
                  "Boateng", "Asante", "Owusu", "Osei", "Kamau", "Mwangi", "Ndlovu", "Moyo", "Abubakar",
                  "Olaniyan", "Akinola", "Adeleke", "Obi", "Ogunleye", "Appiah"),
        ethnicities=(("Black or Black British - African", 90), ("Other Black background", 5),
                     ("Mixed - White and Black African", 5)),
        religions=(("Christian", 68), ("Muslim", 16), ("No religion", 12), ("Any other religion or belief", 4)),
    ),
    NameGroup(
        key="caribbean",
        weight=4,
        female=("Shanice", "Keisha", "Marcia", "Jasmine", "Tanya", "Denise", "Monique", "Shereen", "Ebony", "Donna"),
        male=("Marcus", "Devon", "Leon", "Andre", "Tyrone", "Winston", "Delroy", "Courtney", "Jermaine", "Clive"),
        surnames=("Campbell", "Francis", "Grant", "Henry", "Thomas", "Williams", "Brown", "Clarke", "Bailey",
                  "Reid", "Forbes", "Morrison", "Gordon", "Samuels", "Joseph", "Baptiste", "Charles", "Simpson"),
        ethnicities=(("Black or Black British - Caribbean", 80), ("Mixed - White and Black Caribbean", 15),
                     ("Other Black background", 5)),
        religions=(("Christian", 62), ("No religion", 30), ("Any other religion or belief", 5), ("Muslim", 3)),
    ),
    NameGroup(
        key="european",
        weight=14,
        female=("Anna", "Katarzyna", "Agnieszka", "Magdalena", "Giulia", "Francesca", "Chiara", "Lucia", "Maria",
                "Ines", "Beatriz", "Sofia", "Eleni", "Katerina", "Ioana", "Andreea", "Lena", "Julia", "Camille",
                "Claire", "Marta", "Elena", "Ingrid", "Astrid", "Petra", "Zsofia"),
        male=("Piotr", "Tomasz", "Krzysztof", "Marco", "Luca", "Alessandro", "Matteo", "Pablo", "Javier",
              "Miguel", "Joao", "Tiago", "Nikos", "Dimitris", "Andrei", "Mihai", "Lukas", "Jonas", "Pierre",
              "Antoine", "Stefan", "Erik", "Lars", "Mateusz", "Bartosz", "Gabor"),
        surnames=("Kowalski", "Nowak", "Wisniewska", "Lewandowski", "Wojcik", "Rossi", "Russo", "Bianchi",
                  "Romano", "Ricci", "Garcia", "Martinez", "Lopez", "Fernandez", "Silva", "Santos", "Ferreira",
                  "Costa", "Papadopoulos", "Georgiou", "Popescu", "Ionescu", "Muller", "Schmidt", "Fischer",
                  "Weber", "Dubois", "Moreau", "Laurent", "Jensen", "Andersen", "Lindqvist", "Novak", "Horvath",
                  "Kovacs", "Nagy", "Dvorak", "Petrov", "Ivanova", "Esposito"),
        ethnicities=(("White - Other", 92), ("Other mixed background", 4), ("White - British", 4)),
        religions=(("Christian", 44), ("No religion", 48), ("Jewish", 3), ("Any other religion or belief", 3),
                   ("Muslim", 2)),
    ),
    NameGroup(
        key="middle_eastern",
        weight=5,
        female=("Leila", "Yasmin", "Mariam", "Noor", "Dina", "Rania", "Shirin", "Elif", "Zeynep", "Sara"),
        male=("Ahmad", "Karim", "Youssef", "Mehmet", "Emre", "Reza", "Dariush", "Samir", "Nabil", "Hamid"),
        surnames=("Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Hosseini", "Rahimi", "Tehrani", "Yilmaz",
                  "Demir", "Kaya", "Celik", "Aziz", "Farouk", "Hamdan", "Karimi"),
        ethnicities=(("Arab", 45), ("Other ethnic background", 40), ("White - Other", 15)),
        religions=(("Muslim", 52), ("No religion", 26), ("Christian", 12), ("Jewish", 4),
                   ("Any other religion or belief", 6)),
    ),
)

# Short forms some people are known by.
KNOWN_AS: dict[str, str] = {
    "Katherine": "Kate", "Elizabeth": "Liz", "Alexandra": "Alex", "Margaret": "Maggie", "Jennifer": "Jen",
    "Victoria": "Vicky", "Samantha": "Sam", "Philippa": "Pippa", "Rebecca": "Becky", "Stephanie": "Steph",
    "Christopher": "Chris", "Nicholas": "Nick", "Jonathan": "Jon", "Benjamin": "Ben", "Matthew": "Matt",
    "Robert": "Rob", "William": "Will", "Timothy": "Tim", "Michael": "Mike", "Alexander": "Alex",
    "Samuel": "Sam", "Thomas": "Tom", "Edward": "Ed", "Oluwaseun": "Seun", "Oluwaseyi": "Seyi",
    "Babajide": "Jide", "Funmilayo": "Funmi", "Abimbola": "Bimbo", "Krzysztof": "Kris", "Alessandro": "Alex",
    "Dimitris": "Jim", "Katarzyna": "Kasia", "Magdalena": "Magda",
}
